public enum MigrationError: Error, Equatable, CustomStringConvertible {
    case checksumMismatch(version: Int, name: String)
    case unknownAppliedVersion(version: Int, latestKnown: Int)
    case invalidTarget(requested: Int, latestKnown: Int)

    public var description: String {
        switch self {
        case .checksumMismatch(let version, let name):
            return
                "migration \(version) (\(name)) was changed after it was applied: its checksum no longer matches schema_migrations; restore the original migration and add a new one instead"
        case .unknownAppliedVersion(let version, let latestKnown):
            return
                "the database has migration \(version) applied, but this binary only knows up to \(latestKnown); run the newer release, or roll back with it first"
        case .invalidTarget(let requested, let latestKnown):
            return "target version \(requested) does not exist; choose a version from 0 to \(latestKnown)"
        }
    }
}
