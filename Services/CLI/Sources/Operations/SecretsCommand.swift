import ArgumentParser
import Foundation
import KeelsonPersistence
import KeelsonServiceKit

struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Generate secrets, and rotate the inter-service token without downtime.",
        subcommands: [Generate.self, Rotate.self]
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

    /// The inter-service token is one secret shared by all four services (each accepts every listed token and
    /// sends the first), so a rotation is a window in which both tokens are accepted everywhere.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new inter-service token and the two-token procedure that rotates it without downtime."
        )

        enum Target: String, ExpressibleByArgument, CaseIterable { case all, gateway, engine, marketdata, signals }

        @Option(
            help:
                "The service whose token leaked or expires: gateway, engine, marketdata, signals or all — the token is shared, so every service gets the new one."
        )
        var service: Target

        func run() async throws {
            let new = SecretGenerator.token()
            let current =
                (try? InternalTokens.load(from: EnvironmentReader())) != nil
                ? "<the current KEELSON_INTERNAL_TOKENS>" : "<the current token>"
            let reason = service == .all ? "" : " (keelson-\(service.rawValue)'s copy is the one being replaced; all four share it)"
            print(
                """
                new inter-service token:
                  \(new)

                Rotate KEELSON_INTERNAL_TOKENS\(reason) in two steps, so no request is refused in between:
                  1. Set KEELSON_INTERNAL_TOKENS=\(new),\(current) on every service and restart them one at a time
                     (receivers first: engine, signals, marketdata, then gateway). Each now sends the new token and
                     accepts both. `keelson health` must stay healthy after each restart.
                  2. When all four run with both tokens, set KEELSON_INTERNAL_TOKENS=\(new) everywhere and restart them
                     again one at a time. The old token is now refused.
                  Verify: `keelson health` is healthy; `keelson logs --level warning` shows no
                  "rejected internal request with an invalid token".
                Where it lives: make run → .keelson/internal_tokens; docker compose → .env; Kubernetes → the
                keelson-secrets Secret (`kubectl -n keelson edit secret keelson-secrets`, then
                `kubectl -n keelson rollout restart deployment/<name>` per step). docs/RUNBOOK.md, "Rotating secrets".
                """)
        }
    }
}
