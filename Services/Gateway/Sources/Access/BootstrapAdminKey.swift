import KeelsonPersistence
import KeelsonServiceKit
import Logging
import ServiceLifecycle

/// Registers `KEELSON_ADMIN_API_KEY` once the schema is migrated (migration runs beside it at start-up).
struct BootstrapAdminKey: Service {
    static let name = "bootstrap-admin"
    let credential: APIKeyCredential
    let keys: any APIKeyStore
    let schema: SchemaState
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while schema.version == nil { try await Task.sleep(for: .milliseconds(100)) }
            var delay = Duration.milliseconds(200)
            while true {
                do {
                    if try await keys.register(credential, name: Self.name, role: .admin) {
                        logger.notice("registered the admin API key from KEELSON_ADMIN_API_KEY", metadata: ["key_id": "\(credential.id)"])
                    }
                    return
                } catch {
                    logger.warning("cannot register KEELSON_ADMIN_API_KEY yet; retrying", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(10))
                }
            }
        }
        try? await gracefulShutdown()
    }
}
