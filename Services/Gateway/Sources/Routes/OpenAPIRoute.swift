import Hummingbird
import KeelsonServiceKit

/// `GET /api/openapi.yaml`: docs/openapi.yaml as built into the executable, so the spec served is always the
/// one of the running version.
struct OpenAPIRoute {
    static let document = ByteBuffer(bytes: PackageResources.openapi_yaml)

    func register(router: Router<KeelsonRequestContext>) {
        router.get("api/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: Self.document))
        }
    }
}
