import ArgumentParser
import Foundation
import KeelsonCLI
import KeelsonTestSupport
import Testing

/// Every `keelson …` command line in README.md and docs/*.md names a command that exists, and only options that
/// command has, so a runbook cannot tell an on-call engineer to type something that is not there.
@Suite("Commands in the documentation exist")
struct DocumentedCommandsTests {
    /// The words before the first option or placeholder: the command path.
    static func commandPath(_ line: String) -> [String] {
        let withoutComment = line.components(separatedBy: " #").first ?? line
        return withoutComment.split(separator: " ").dropFirst().map(String.init)
            .prefix { $0.first?.isLowercase == true && !$0.hasPrefix("-") && !$0.contains("|") && !$0.contains("\"") }
            .map { $0 }
    }

    static func options(_ line: String) -> [String] {
        let withoutComment = line.components(separatedBy: " #").first ?? line
        return withoutComment.split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) }
            .filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=").first ?? "") }
    }

    @Test("each documented command resolves, and each of its --options exists")
    func documentedCommandsExist() throws {
        let commands = try DocumentedCommands.lines()
        #expect(commands.count > 20)
        for (file, line) in commands {
            var command: any ParsableCommand.Type = KeelsonCommand.self
            var resolved: [String] = []
            for word in Self.commandPath(line) {
                let subcommands = command.configuration.subcommands
                guard let next = subcommands.first(where: { $0._commandName == word || $0.configuration.aliases.contains(word) }) else {
                    // A positional argument (a file, a query) ends the path once the command takes no subcommands.
                    #expect(subcommands.isEmpty, "\(file): `\(line)`: `keelson \(resolved.joined(separator: " "))` has no subcommand `\(word)`")
                    break
                }
                command = next
                resolved.append(word)
            }
            // Options after a group with a default subcommand (`keelson optimize --strategy …`) are that subcommand's.
            while let fallback = command.configuration.defaultSubcommand { command = fallback }
            let help = KeelsonCommand.helpMessage(for: command, columns: 400)
            for option in Self.options(line) where option != "--help" {
                #expect(help.contains(option), "\(file): `\(line)`: `keelson \(resolved.joined(separator: " "))` has no option \(option)")
            }
        }
    }
}
