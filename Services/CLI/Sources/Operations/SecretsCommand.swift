import ArgumentParser
import KeelsonServiceKit

struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Generate secrets.",
        subcommands: [Generate.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print fresh random secrets as KEY=VALUE lines, ready for an .env file or a Kubernetes Secret."
        )

        func run() async throws {
            print("KEELSON_INTERNAL_TOKENS=\(SecretGenerator.token())")
            print("KEELSON_ADMIN_API_KEY=\(APIKeyCredential.generate().presentation)")
        }
    }
}
