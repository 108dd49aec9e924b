import Foundation

/// The `--out` folder of a backtest or a search, made (with its parents) before any work starts, so a bad path fails
/// at once rather than after the run.
enum OutputFolder {
    static func create(_ path: String) throws(CLIError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CLIError("cannot create \(path): \(error.localizedDescription)")
        }
    }
}
