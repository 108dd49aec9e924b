import KeelsonModels
import KeelsonPersistence
import Logging

/// The active version of every model name, read from the registry with the lifecycle states, so a promotion or a
/// rollback reaches every replica without a restart. A version is loaded once; one whose artefact does not match
/// its hash or that this build cannot compute is not served, its reason logged once and shown by the model routes.
actor ModelServer {
    let registry: PostgresModelRegistry
    let metrics: SignalsMetrics?
    let logger: Logger
    private(set) var served: [String: ServedModel] = [:]
    /// Active versions refused, by id, with the sentence saying why.
    private(set) var refused: [Int64: String] = [:]

    init(registry: PostgresModelRegistry, metrics: SignalsMetrics?, logger: Logger) {
        self.registry = registry
        self.metrics = metrics
        self.logger = logger
    }

    func refresh() async throws {
        var next: [String: ServedModel] = [:]
        var waiting: Set<String> = []
        for record in try await registry.activeVersions() {
            if let current = served[record.name], current.record.id == record.id {
                next[record.name] = current
                continue
            }
            guard refused[record.id] == nil else {
                waiting.insert(record.name)
                continue
            }
            do {
                let loaded = try await registry.load(id: record.id)
                next[record.name] = ServedModel(record: loaded.record, model: loaded.model)
                logger.notice("serving model", metadata: ["model": "\(record.name)", "id": "\(record.id)", "version": "\(record.version)"])
            } catch let error as ModelRegistryError {
                refused[record.id] = error.description
                waiting.insert(record.name)
                metrics?.modelRefused(model: record.name)
                logger.error("active model version not served", metadata: ["model": "\(record.name)", "error": "\(error.description)"])
            }
        }
        for (name, model) in next { metrics?.servedVersion(model: name, id: model.record.id) }
        // 0 for a name that lost its served version or whose active version is refused: its instances wait.
        for name in waiting.union(served.keys) where next[name] == nil { metrics?.servedVersion(model: name, id: 0) }
        served = next
    }

    /// Version `id`, served or not (an analysis may ask for a candidate), verified.
    func version(id: Int64) async throws -> ServedModel {
        if let model = served.values.first(where: { $0.record.id == id }) { return model }
        let loaded = try await registry.load(id: id)
        return ServedModel(record: loaded.record, model: loaded.model)
    }

    /// The served version of `name`; the sentence says why there is none.
    func active(named name: String) async throws -> ServedModel {
        if let model = served[name] { return model }
        if let record = try await registry.activeVersions().first(where: { $0.name == name }) {
            if let reason = refused[record.id] { throw ModelRegistryError.unusable(id: record.id, reason: reason) }
            return try await version(id: record.id)
        }
        throw ModelServingError.noActiveVersion(name: name)
    }
}

enum ModelServingError: Error, CustomStringConvertible {
    case noActiveVersion(name: String)

    var description: String {
        switch self {
        case let .noActiveVersion(name):
            "model '\(name)' has no active version; `keelson model list --name \(name)` lists its versions, `keelson model promote ID` serves one"
        }
    }
}
