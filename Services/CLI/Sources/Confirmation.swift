import Foundation

/// Asks before a command that cannot be undone. Without a terminal nobody can answer, so it refuses unless the
/// caller passed `--yes` — a script never closes positions or replaces a database by accident.
enum Confirmation {
    static func require(yes: Bool, question: String) throws(CLIError) {
        if yes { return }
        try requireTerminal("refusing: this needs confirmation and stdin is not a terminal; add --yes if you mean it")
        try ask(question)
    }

    /// Throws `refusal` when stdin is not a terminal.
    static func requireTerminal(_ refusal: String) throws(CLIError) {
        guard isatty(STDIN_FILENO) == 1 else { throw CLIError(refusal) }
    }

    /// `[y/N]` on the terminal; anything but y or yes throws `declined`.
    static func ask(_ question: String, declined: String = "not confirmed; nothing was done") throws(CLIError) {
        FileHandle.standardOutput.write(Data("\(question) [y/N] ".utf8))
        guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased(), answer == "y" || answer == "yes" else {
            throw CLIError(declined)
        }
    }
}
