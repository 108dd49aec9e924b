import ArgumentParser

struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Market data: import files, backfill from a provider, test a provider, inspect the cache, archive old rows.",
        subcommands: [
            ImportCommand.self, BackfillCommand.self, TestProviderCommand.self, CacheInfoCommand.self, SyntheticCommand.self, ArchiveCommand.self,
            CandleCacheCommand.self,
        ]
    )
}
