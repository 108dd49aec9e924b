import Foundation

/// Where backups are copied away from the database's disk: an S3-compatible bucket or a second directory (another
/// volume). Names are the backup directory's file names (`keelson-<time>.dump`, its manifest).
protocol OffSiteStore: Sendable {
    /// For people: `s3://bucket/prefix/ at https://…` or the directory's path.
    var description: String { get }
    func put(_ file: URL, as name: String) async throws
    func get(_ name: String, to file: URL) async throws
    /// Every object under the store's prefix, by name, with its size.
    func list() async throws -> [String: Int64]
    func delete(_ name: String) async throws
}

/// An off-site operation that failed, in one line.
struct OffSiteError: Error, CustomStringConvertible {
    var description: String
}
