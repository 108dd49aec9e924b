import Crypto
import Foundation
import Testing

@testable import KeelsonCLI

/// The pieces of off-site backups that need no server: Signature V4 against AWS's published examples, the retention
/// rule both ends share, the schedule and the destination settings.
@Suite("Off-site backups: Signature V4 vectors, retention, schedule and destination settings")
struct OffSiteBackupTests {
    /// The example credentials and day of AWS's "Signature Calculations for the Authorization Header" (S3 API
    /// reference, Signature Version 4): bucket examplebucket, 2013-05-24T00:00:00Z, us-east-1.
    static let signer = SignatureV4(
        credentials: .init(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), region: "us-east-1")
    static let day = Date(timeIntervalSince1970: 1_369_353_600)
    static let host = "examplebucket.s3.amazonaws.com"

    static func authorization(_ headers: [(String, String)]) -> String { headers.first { $0.0 == "Authorization" }?.1 ?? "" }

    @Test("GET Object with a Range header: AWS's signature f0e8bdb8…")
    func getObject() {
        let headers = Self.signer.sign(
            method: "GET", host: Self.host, path: "/test.txt", headers: [("Range", "bytes=0-9")], payloadHash: SignatureV4.emptyPayloadHash,
            date: Self.day)
        #expect(
            Self.authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        #expect(headers.contains { $0 == ("x-amz-date", "20130524T000000Z") })
    }

    @Test("PUT Object with Date and a storage class, the path's $ percent-encoded: AWS's signature 98ad7217…")
    func putObject() {
        let payload = SignatureV4.hex(SHA256.hash(data: Data("Welcome to Amazon S3.".utf8)))
        #expect(payload == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let headers = Self.signer.sign(
            method: "PUT", host: Self.host, path: "/test$file.text",
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")], payloadHash: payload, date: Self.day)
        #expect(
            Self.authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
        )
    }

    @Test("GET Bucket lifecycle (a query parameter without a value) and a List Objects with two parameters: AWS's signatures")
    func bucketRequests() {
        let lifecycle = Self.signer.sign(
            method: "GET", host: Self.host, path: "/", query: [("lifecycle", "")], payloadHash: SignatureV4.emptyPayloadHash, date: Self.day)
        #expect(Self.authorization(lifecycle).hasSuffix("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"))
        let list = Self.signer.sign(
            method: "GET", host: Self.host, path: "/", query: [("prefix", "J"), ("max-keys", "2")], payloadHash: SignatureV4.emptyPayloadHash,
            date: Self.day)
        #expect(Self.authorization(list).hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"))
    }

    @Test("a session token is sent and signed")
    func sessionToken() {
        var credentials = Self.signer.credentials
        credentials.sessionToken = "token/with+chars"
        let headers = SignatureV4(credentials: credentials, region: "eu-west-1").sign(
            method: "GET", host: Self.host, path: "/x", payloadHash: SignatureV4.emptyPayloadHash, date: Self.day)
        #expect(headers.contains { $0 == ("x-amz-security-token", "token/with+chars") })
        #expect(Self.authorization(headers).contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"))
        #expect(Self.authorization(headers).contains("/20130524/eu-west-1/s3/aws4_request"))
    }

    @Test("retention: the newest K always stay, the rest go once older than N days")
    func retention() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let backups = (0..<10).map { ("keelson-\($0).dump", now.addingTimeInterval(-Double(10 - $0) * 86_400)) }
        #expect(BackupRetention(keepDays: 3, keepCount: 2).expired(backups, now: now) == (0..<7).map { "keelson-\($0).dump" })
        #expect(BackupRetention(keepDays: 0, keepCount: 4).expired(backups, now: now) == (0..<6).map { "keelson-\($0).dump" })
        #expect(BackupRetention(keepDays: 30, keepCount: 1).expired(backups, now: now).isEmpty)
        #expect(BackupRetention(keepDays: 0, keepCount: 1).expired(Array(backups.prefix(1)), now: now).isEmpty, "the newest is never deleted")
    }

    @Test("the schedule: daily, hourly, off and durations; anything else is one clear error")
    func schedule() throws {
        #expect(try BackupScheduleCommand.interval("daily") == 86_400)
        #expect(try BackupScheduleCommand.interval("hourly") == 3_600)
        #expect(try BackupScheduleCommand.interval("off") == nil)
        #expect(try BackupScheduleCommand.interval("6h") == 21_600)
        #expect(try BackupScheduleCommand.interval("30m") == 1_800)
        for bad in ["weekly", "0h", "10s", "-1d", ""] {
            #expect(throws: CLIError.self) { try BackupScheduleCommand.interval(bad) }
        }
    }

    @Test("the destination: a bucket with its endpoint, region and key, or a second directory; what is missing is named")
    func destination() throws {
        let s3 = try #require(
            try OffSiteSettings.store(environment: [
                "KEELSON_BACKUP_OFFSITE": "s3://keelson-backups/prod/db", "KEELSON_BACKUP_S3_ENDPOINT": "http://127.0.0.1:9000",
                "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK",
            ]) as? S3Store)
        #expect(s3.bucket == "keelson-backups" && s3.prefix == "prod/db/" && s3.signer.region == "us-east-1")
        #expect(s3.description == "s3://keelson-backups/prod/db/ at http://127.0.0.1:9000")
        let aws = try #require(
            try OffSiteSettings.store(environment: [
                "KEELSON_BACKUP_OFFSITE": "s3://b-1", "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK",
            ]) as? S3Store)
        #expect(aws.endpoint.absoluteString == "https://s3.eu-west-1.amazonaws.com" && aws.prefix.isEmpty)
        #expect((try OffSiteSettings.store(environment: ["KEELSON_BACKUP_OFFSITE": "/mnt/copy"]) as? DirectoryStore)?.url.path == "/mnt/copy")
        #expect(try OffSiteSettings.store(environment: [:]) == nil)
        for (environment, message) in [
            (["KEELSON_BACKUP_OFFSITE": "s3://bucket"], "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
            (["KEELSON_BACKUP_OFFSITE": "s3://Bad_Bucket", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S"], "is not a bucket name"),
            (["KEELSON_BACKUP_OFFSITE": "ftp://x"], "neither s3://BUCKET[/PREFIX] nor an absolute directory path"),
            (
                ["KEELSON_BACKUP_OFFSITE": "s3://bucket", "KEELSON_BACKUP_S3_ENDPOINT": "s3.local", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S"],
                "is not an http(s) URL"
            ),
        ] {
            #expect(performing: { _ = try OffSiteSettings.store(environment: environment) }, throws: { ($0 as? CLIError)?.message.contains(message) == true })
        }
        #expect(throws: CLIError.self) { _ = try OffSiteSettings.required(environment: [:]) }
    }

    @Test("S3 error answers become one line: the code and the message")
    func errorElements() {
        let xml = "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist &amp; never did</Message></Error>"
        #expect(S3Store.element("Code", in: xml) == "NoSuchBucket")
        #expect(S3Store.element("Message", in: xml) == "The specified bucket does not exist & never did")
        #expect(S3Store.element("Key", in: xml) == nil)
    }
}
