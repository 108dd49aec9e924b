import KeelsonModels
import KeelsonPersistence

/// A registry version the service predicts with: its record and its model, verified against the recorded SHA-256
/// and checked to be computable by this build.
public struct ServedModel: Sendable {
    public var record: ModelVersionRecord
    public var model: TrainedModel

    public init(record: ModelVersionRecord, model: TrainedModel) {
        self.record = record
        self.model = model
    }
}
