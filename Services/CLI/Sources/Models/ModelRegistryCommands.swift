import ArgumentParser
import Foundation
import KeelsonModels
import KeelsonPersistence

enum ModelRegistryOptions {
    static func checkName(_ name: String) throws {
        guard ModelName.isValid(name) else {
            throw CLIError("--name '\(name)' is not a model name: use \(ModelName.rule)", exitCode: 2)
        }
    }

    /// A model.json when `file` is given, else the registry's version `id`, verified either way.
    static func model(id: Int64, file: String?, database: DatabaseOptions) async throws -> TrainedModel {
        if let file {
            guard let bytes = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)", exitCode: 2) }
            do { return try ModelArtefact.decode(bytes, expectedSHA256: nil, origin: file) } catch {
                throw CLIError(error.description, exitCode: 2)
            }
        }
        return try await withRegistry(database) { try await $0.load(id: id).model }
    }

    /// Runs `body` with the registry, turning its refusals into one line and exit 2.
    static func withRegistry<Result: Sendable>(
        _ database: DatabaseOptions, _ body: (PostgresModelRegistry) async throws -> Result
    ) async throws -> Result {
        try await database.withClient { client, _ in
            do {
                return try await body(PostgresModelRegistry(client: client, logger: CLILogger.quiet))
            } catch let error as ModelRegistryError {
                throw CLIError(error.description, exitCode: 2)
            }
        }
    }
}

struct ModelListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The registered model versions, newest first.")

    @Option(help: "Only the versions of this name.") var name: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let records = try await ModelRegistryOptions.withRegistry(database) { try await $0.list(name: name) }
            guard !records.isEmpty else {
                print("no models registered; `keelson model train … --register` registers one")
                return
            }
            print(
                TableFormatter.render(
                    header: ["ID", "NAME", "VERSION", "KIND", "STATE", "LABEL", "FEATURES", "TEST LOG-LOSS", "TRAINED", "BY"],
                    rows: records.map { record in
                        [
                            "\(record.id)", record.name, "\(record.version)", record.kind, record.state, record.label,
                            record.features.joined(separator: ","), Self.testLogLoss(record.metrics), record.createdAt.formatted(.iso8601),
                            record.trainedBy,
                        ]
                    }))
        }
    }

    static func testLogLoss(_ metrics: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(metrics.utf8)) as? [String: Any],
            let test = object["test"] as? [String: Any], let loss = test["log_loss"] as? Double
        else { return "" }
        return ModelFiles.fixed(loss)
    }
}

struct ModelShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "One model version: what it computes, how it was trained, its metrics and every decision about it.")

    @Argument(help: "The model id (keelson model list).") var id: Int64
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let (record, model, events) = try await ModelRegistryOptions.withRegistry(database) { registry in
                let loaded = try await registry.load(id: id)
                return (loaded.record, loaded.model, try await registry.events(id: id))
            }
            print("model \(record.id): \(record.name) version \(record.version), \(record.kind), \(record.state)")
            print("label: \(record.label)")
            print("features (mean, standard deviation frozen at training):")
            for feature in model.features {
                print("  \(feature.name): \(feature.mean), \(feature.standardDeviation)")
            }
            print("hyper-parameters: \(record.hyperParameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
            print(
                "trained on \(record.trainingRows) rows, \(record.trainingFrom.formatted(.iso8601)) to \(record.trainingTo.formatted(.iso8601)), from \(record.dataSource), by \(record.trainedBy)"
            )
            if let test = model.metrics.test { print("test: \(ModelFiles.summary(test, baseline: model.metrics.baselineLogLoss))") }
            if let scores = model.metrics.walkForward {
                print(
                    "walk-forward: \(scores.folds.count) folds, mean log-loss \(ModelFiles.fixed(scores.meanLogLoss)) (baseline \(ModelFiles.fixed(scores.meanBaselineLogLoss)))"
                )
            }
            print("artefact SHA-256: \(record.sha256) (verified)")
            print("decisions:")
            for event in events {
                print("  \(event.at.formatted(.iso8601)) \(event.from ?? "—") → \(event.to) by \(event.actor): \(event.reason)")
            }
        }
    }
}

/// What promote and retire take: the version and why.
struct ModelMoveOptions: ParsableArguments {
    @Argument(help: "The model id (keelson model list).") var id: Int64
    @Option(help: "Why; recorded with the decision.") var reason: String
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
    }
}

struct ModelPromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Make a version the active one of its name (a candidate, or a retired one to roll back); the version it replaces is retired.")

    @OptionGroup var move: ModelMoveOptions

    func run() async throws {
        try await reportingErrors {
            let record = try await ModelRegistryOptions.withRegistry(move.database) {
                try await $0.promote(id: move.id, reason: move.reason, actor: OptimizationRecorder.requester)
            }
            print("model \(record.id) (\(record.name) version \(record.version)) is active")
        }
    }
}

struct ModelRetireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retire", abstract: "Retire a candidate or the active version.")

    @OptionGroup var move: ModelMoveOptions

    func run() async throws {
        try await reportingErrors {
            let record = try await ModelRegistryOptions.withRegistry(move.database) {
                try await $0.retire(id: move.id, reason: move.reason, actor: OptimizationRecorder.requester)
            }
            print("model \(record.id) (\(record.name) version \(record.version)) is retired")
        }
    }
}
