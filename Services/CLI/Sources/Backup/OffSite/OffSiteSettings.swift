import Foundation

/// The off-site destination from the environment (docs/DATABASE.md, "Scheduled and off-site backups"):
/// `KEELSON_BACKUP_OFFSITE=s3://BUCKET[/PREFIX]` with `KEELSON_BACKUP_S3_ENDPOINT` (default AWS in
/// `KEELSON_BACKUP_S3_REGION`, else `AWS_REGION`, else us-east-1) and the standard `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`); or `KEELSON_BACKUP_OFFSITE=/path` for a second directory.
enum OffSiteSettings {
    /// The configured store, or nil when `KEELSON_BACKUP_OFFSITE` is unset.
    static func store(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> (any OffSiteStore)? {
        guard let target = environment["KEELSON_BACKUP_OFFSITE"], !target.isEmpty else { return nil }
        if target.hasPrefix("/") { return DirectoryStore(url: URL(fileURLWithPath: target)) }
        if target.hasPrefix("file://"), let url = URL(string: target), url.isFileURL { return DirectoryStore(url: url) }
        guard target.hasPrefix("s3://") else {
            throw CLIError("KEELSON_BACKUP_OFFSITE='\(target)' is neither s3://BUCKET[/PREFIX] nor an absolute directory path", exitCode: 2)
        }
        let rest = target.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        guard bucket.wholeMatch(of: /[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]/) != nil else {
            throw CLIError("KEELSON_BACKUP_OFFSITE: '\(bucket)' is not a bucket name (3–63 lowercase letters, digits, dots and hyphens)", exitCode: 2)
        }
        var prefix = String(rest.dropFirst(bucket.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !prefix.isEmpty { prefix += "/" }
        let region = environment["KEELSON_BACKUP_S3_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["AWS_REGION"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "us-east-1"
        let endpointText = environment["KEELSON_BACKUP_S3_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://s3.\(region).amazonaws.com"
        guard let endpoint = URL(string: endpointText), ["http", "https"].contains(endpoint.scheme ?? ""), endpoint.host != nil else {
            throw CLIError("KEELSON_BACKUP_S3_ENDPOINT='\(endpointText)' is not an http(s) URL, e.g. https://s3.eu-west-1.amazonaws.com", exitCode: 2)
        }
        guard let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw CLIError("KEELSON_BACKUP_OFFSITE is a bucket: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key that may write to it", exitCode: 2)
        }
        let credentials = SignatureV4.Credentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
        return S3Store(endpoint: endpoint, bucket: bucket, prefix: prefix, signer: SignatureV4(credentials: credentials, region: region))
    }

    /// The configured store; an error that says how to configure one when none is.
    static func required(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> any OffSiteStore {
        guard let store = try store(environment: environment) else {
            throw CLIError(
                "no off-site destination: set KEELSON_BACKUP_OFFSITE to s3://BUCKET[/PREFIX] (with the AWS_* credentials) or to a second directory",
                exitCode: 2)
        }
        return store
    }
}
