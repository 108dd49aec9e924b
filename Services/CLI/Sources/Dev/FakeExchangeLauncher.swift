import ArgumentParser
import Foundation
import KeelsonFoundation

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
            let command = ProcessCommand(binary, arguments: arguments, standardInput: .inherit, standardOutput: .inherit, standardError: .inherit)
            let child: RunningProcess
            do throws(ProcessLaunchError) {
                child = try RunningProcess(starting: command)
            } catch {
                throw CLIError(error.description)
            }
            // The child runs in a process group of its own (Foundation's doing), so the terminal's ctrl-C reaches only
            // this process: pass it on as SIGTERM and wait for the fake exchange to shut down.
            let ended = try await Interruption.cancellingOnSignals(interruptedMessage: "interrupted; keelson-fake-exchange was stopped") {
                await withTaskCancellationHandler {
                    await child.wait()
                } onCancel: {
                    child.terminate(gracePeriod: .seconds(10))
                }
            }
            if !ended.succeeded { throw ExitCode(ended.shellStatus) }
        }
    }
}
