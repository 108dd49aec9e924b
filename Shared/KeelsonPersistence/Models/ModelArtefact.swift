import Crypto
import Foundation
import KeelsonModels

/// A trained model as bytes (model.json) and back. The bytes are what the registry stores and hashes; reading
/// them back checks the hash first, then that the file is a model, then that this build can compute its features
/// and predict with it — each refusal one sentence naming what is wrong.
public enum ModelArtefact {
    public static func encode(_ model: TrainedModel) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(model)
    }

    public static func sha256(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The model in `bytes`, when they hash to `expectedSHA256` (when one is given) and hold a model this build
    /// can serve. `origin` names where the bytes came from in the error ("model 7", "out/model.json").
    public static func decode(_ bytes: Data, expectedSHA256: String?, origin: String) throws(ModelError) -> TrainedModel {
        if let expectedSHA256 {
            let actual = sha256(bytes)
            guard actual == expectedSHA256 else {
                throw ModelError(
                    "\(origin): the artefact's SHA-256 is \(actual), not the recorded \(expectedSHA256); it was changed after training — retrain or restore it"
                )
            }
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let model: TrainedModel
        do {
            model = try decoder.decode(TrainedModel.self, from: bytes)
        } catch let DecodingError.dataCorrupted(context) {
            throw ModelError("\(origin): not a Keelson model: \(context.debugDescription)")
        } catch {
            throw ModelError("\(origin): not a Keelson model (\(Self.summary(error)))")
        }
        guard model.format == TrainedModel.currentFormat else {
            throw ModelError("\(origin): model format \(model.format) is not the format \(TrainedModel.currentFormat) this build reads; retrain it")
        }
        do {
            _ = try StreamingModel(model)
        } catch {
            throw ModelError("\(origin): \(error.description)")
        }
        return model
    }

    private static func summary(_ error: any Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, _): "no '\(key.stringValue)'"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        default: "\(error)"
        }
    }
}
