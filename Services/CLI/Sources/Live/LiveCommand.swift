import ArgumentParser

struct LiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Live trading on the exchange: compare the account with Keelson's books.",
        subcommands: [SyncBalanceCommand.self]
    )
}
