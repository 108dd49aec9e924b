import ArgumentParser

/// `keelson model`: train, evaluate and manage prediction models.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Train prediction models on history, evaluate them, and promote or retire versions in the model registry.",
        subcommands: [
            ModelTrainCommand.self, ModelEvaluateCommand.self, ModelRetrainCommand.self, ModelListCommand.self, ModelShowCommand.self, ModelPromoteCommand.self,
            ModelRetireCommand.self, ModelLiveCommand.self, ModelAnalyzeCommand.self,
        ]
    )
}
