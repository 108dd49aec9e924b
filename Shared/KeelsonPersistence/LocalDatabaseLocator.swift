import Foundation

/// Finds the database: `DATABASE_URL` first, else the cluster `make run` started under `.keelson/`.
///
/// `make run` writes the URL of the cluster it starts to `.keelson/database_url`; looking for it in the
/// working directory and its parents lets `keelson db verify` work from anywhere in the checkout with
/// nothing exported.
public enum LocalDatabaseLocator {
    public static let urlFileName = ".keelson/database_url"

    public enum Source: Sendable, Equatable {
        case environment
        case localCluster(path: String)
    }

    public struct NotFound: Error, CustomStringConvertible {
        public var description: String {
            "DATABASE_URL is not set and no local cluster was found (\(LocalDatabaseLocator.urlFileName)); run `make run` to start one, or set DATABASE_URL=\(DatabaseURL.expectedForm)"
        }
    }

    /// The raw URL text and where it came from.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        startingAt directory: String = FileManager.default.currentDirectoryPath
    ) throws -> (url: String, source: Source) {
        if let url = environment["DATABASE_URL"], !url.isEmpty {
            return (url, .environment)
        }
        guard let local = LocalStateFile.read(urlFileName, startingAt: directory) else { throw NotFound() }
        return (local.contents, .localCluster(path: local.path))
    }
}
