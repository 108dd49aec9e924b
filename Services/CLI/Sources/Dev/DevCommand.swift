import ArgumentParser

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Development tools: local stand-ins for the outside world.",
        subcommands: [FakeExchangeLauncher.self]
    )
}
