import ArgumentParser
import Foundation

/// `keelson dev fake-exchange …`: runs `keelson-fake-exchange` from beside this binary with the same arguments, so
/// the test double is not linked into the CLI operators run.
struct FakeExchangeLauncher: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-exchange",
        abstract: "Run the fake Binance spot exchange (keelson-fake-exchange; see its --help) until ctrl-C."
    )

    @Argument(parsing: .allUnrecognized, help: "Passed to keelson-fake-exchange.") var arguments: [String] = []

    func run() async throws {
        try await reportingErrors {
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("keelson-fake-exchange")
            guard FileManager.default.isExecutableFile(atPath: binary.path) else {
                throw CLIError("\(binary.path) is missing; build it with `swift build --product keelson-fake-exchange`")
            }
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            do {
                try process.run()
            } catch {
                throw CLIError("cannot start \(binary.path): \(error.localizedDescription)")
            }
            // ctrl-C reaches the child through the terminal's process group; this waits for it to stop.
            process.waitUntilExit()
            if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
        }
    }
}
