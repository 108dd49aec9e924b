import ArgumentParser
import Foundation
import KeelsonPersistence

/// A failure the CLI reports as one line on stderr with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32

    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning a `CLIError` into "keelson: message" on stderr and its exit code.
    func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("keelson: \(error.message)\n".utf8))
            throw ExitCode(error.exitCode)
        } catch let error as TradingRepositoryError {
            // Refusals of a stored change (no such session, an engine still trading) say what to do themselves.
            FileHandle.standardError.write(Data("keelson: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}
