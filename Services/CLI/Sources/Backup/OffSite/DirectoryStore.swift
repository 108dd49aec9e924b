import Foundation

/// A second directory, e.g. another volume mounted at /mnt/backup-copy: files are copied in under a temporary name and
/// renamed, so a copy cut short never looks finished.
struct DirectoryStore: OffSiteStore {
    let url: URL

    var description: String { url.path }

    func put(_ file: URL, as name: String) async throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let partial = url.appendingPathComponent(".\(name).partial")
            try? manager.removeItem(at: partial)
            try manager.copyItem(at: file, to: partial)
            let target = url.appendingPathComponent(name)
            try? manager.removeItem(at: target)
            try manager.moveItem(at: partial, to: target)
        } catch {
            throw OffSiteError(description: "copying \(name) to \(url.path) failed: \(BackupDirectory.reason(error))")
        }
    }

    func get(_ name: String, to file: URL) async throws {
        let source = url.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: source.path) else {
            throw OffSiteError(description: "\(name) is not in \(url.path)")
        }
        do {
            try? FileManager.default.removeItem(at: file)
            try FileManager.default.copyItem(at: source, to: file)
        } catch {
            throw OffSiteError(description: "copying \(name) from \(url.path) failed: \(BackupDirectory.reason(error))")
        }
    }

    func list() async throws -> [String: Int64] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            throw OffSiteError(description: "cannot list \(url.path): \(BackupDirectory.reason(error))")
        }
        var sizes: [String: Int64] = [:]
        for name in names where !name.hasPrefix(".") {
            let size = (try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(name).path)[.size] as? NSNumber)?.int64Value
            sizes[name] = size ?? 0
        }
        return sizes
    }

    func delete(_ name: String) async throws {
        do {
            try FileManager.default.removeItem(at: url.appendingPathComponent(name))
        } catch {
            throw OffSiteError(description: "cannot delete \(name) from \(url.path): \(BackupDirectory.reason(error))")
        }
    }
}
