import Foundation

/// A dump checked against its manifest: size first (a truncated copy is the common case and says so), then
/// SHA-256. Each failure is one sentence: what is wrong and what to do.
enum BackupIntegrity {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func check(_ dump: URL, against manifest: BackupManifest) throws(Failure) -> FileChecksum {
        let checksum: FileChecksum
        do {
            checksum = try FileChecksum.of(dump)
        } catch {
            throw Failure(description: "\(dump.path) cannot be read (\(BackupDirectory.reason(error))); check its permissions")
        }
        if checksum.size < manifest.sizeBytes {
            throw Failure(
                description:
                    "\(dump.path) is truncated: \(checksum.size) of \(manifest.sizeBytes) bytes (a copy or the backup did not finish); copy it again or use another backup"
            )
        }
        if checksum.size > manifest.sizeBytes {
            throw Failure(
                description:
                    "\(dump.path) is \(checksum.size) bytes but its manifest says \(manifest.sizeBytes): the file was changed or replaced; use another backup"
            )
        }
        guard checksum.sha256 == manifest.sha256 else {
            throw Failure(
                description:
                    "\(dump.path) is corrupted: its SHA-256 does not match the manifest (damaged on disk or in transfer); copy it again or use another backup"
            )
        }
        return checksum
    }
}
