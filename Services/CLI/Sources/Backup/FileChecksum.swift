import Crypto
import Foundation

/// The SHA-256 and size of a file, read in 1 MiB chunks so a dump of any size hashes in constant memory.
struct FileChecksum: Sendable, Equatable {
    var sha256: String
    var size: Int64

    static func of(_ url: URL) throws -> FileChecksum {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        return FileChecksum(sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined(), size: size)
    }
}
