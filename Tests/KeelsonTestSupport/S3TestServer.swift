import Foundation
import KeelsonFoundation

/// A real S3-compatible server for tests: moto in server mode (PyPI; scripts/test.sh installs it into
/// .build-tools/venv/s3), with signature checking on — after its first five requests (the set-up: a bucket, an IAM
/// user, its access key, a policy allowing S3 and its attachment) every request must carry a valid Signature V4 of
/// that user's key, or it is refused `SignatureDoesNotMatch`.
public struct S3TestServer: Sendable {
    public let endpoint: String
    public let bucket: String
    public let accessKeyID: String
    public let secretAccessKey: String

    static var venv: URL { ServiceProcess.packageRoot.appendingPathComponent(".build-tools/venv/s3/bin") }

    /// The variables `keelson backup` needs to use the bucket under `prefix`.
    public func environment(prefix: String) -> [String: String] {
        [
            "KEELSON_BACKUP_OFFSITE": "s3://\(bucket)/\(prefix)", "KEELSON_BACKUP_S3_ENDPOINT": endpoint, "AWS_ACCESS_KEY_ID": accessKeyID,
            "AWS_SECRET_ACCESS_KEY": secretAccessKey,
        ]
    }

    public static func run<Result: Sendable>(_ body: (S3TestServer) async throws -> Result) async throws -> Result {
        let server = venv.appendingPathComponent("moto_server"), python = venv.appendingPathComponent("python")
        guard FileManager.default.isExecutableFile(atPath: server.path) else {
            throw TestSetupError("moto is not installed at \(server.path); `make test` installs it (scripts/test.sh, ensure_venv s3)")
        }
        let port = FreePort.next()
        let endpoint = "http://127.0.0.1:\(port)"
        let moto = try RunningProcess(
            starting: ProcessCommand(
                server, arguments: ["-H", "127.0.0.1", "-p", String(port)],
                environment: ["PATH": "/usr/bin:/bin", "INITIAL_NO_AUTH_ACTION_COUNT": "5", "HOME": NSTemporaryDirectory()]))
        defer { moto.signal(SIGKILL) }
        let setup = """
            import boto3, json, sys, time
            kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='setup', aws_secret_access_key='setup')
            for attempt in range(100):
                try:
                    boto3.client('s3', **kw).create_bucket(Bucket='keelson-backups')
                    break
                except Exception:
                    if attempt == 99: raise
                    time.sleep(0.1)
            iam = boto3.client('iam', **kw)
            iam.create_user(UserName='keelson')
            key = iam.create_access_key(UserName='keelson')['AccessKey']
            policy = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}]})
            arn = iam.create_policy(PolicyName='keelson-backups', PolicyDocument=policy)['Policy']['Arn']
            iam.attach_user_policy(UserName='keelson', PolicyArn=arn)
            print(key['AccessKeyId'], key['SecretAccessKey'])
            """
        let output = try await ProcessCommand(python, arguments: ["-c", setup, endpoint], environment: ["PATH": "/usr/bin:/bin"]).run()
        let parts = output.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard output.termination.succeeded, parts.count == 2 else {
            throw TestSetupError("setting up moto failed: \(output.stderr.suffix(2000)) \(moto.capturedOutput().stderr.suffix(1000))")
        }
        return try await body(S3TestServer(endpoint: endpoint, bucket: "keelson-backups", accessKeyID: parts[0], secretAccessKey: parts[1]))
    }
}
