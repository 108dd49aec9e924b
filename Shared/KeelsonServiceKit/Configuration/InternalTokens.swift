import Crypto
import Foundation
import KeelsonPersistence

/// The inter-service bearer tokens. Several can be valid at once so a token rotates without downtime:
/// deploy `new,old` everywhere, then `new` alone. The first is the one this process sends.
public struct InternalTokens: Sendable {
    public static let variable = "KEELSON_INTERNAL_TOKENS"
    /// Where `make run` keeps generated tokens for a local deployment.
    public static let localFileName = ".keelson/internal_tokens"
    static let minimumLength = 16

    private let digests: [[UInt8]]
    public let outgoing: String

    public init(_ tokens: [String]) throws(ConfigurationError) {
        let cleaned = tokens.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard let first = cleaned.first else {
            throw ConfigurationError(variable: Self.variable, problem: "no token given; generate one with `keelson secrets generate`")
        }
        if let short = cleaned.firstIndex(where: { $0.count < Self.minimumLength }) {
            throw ConfigurationError(
                variable: Self.variable,
                problem: "token \(short + 1) is shorter than \(Self.minimumLength) characters; generate one with `keelson secrets generate`")
        }
        self.outgoing = first
        self.digests = cleaned.map(Self.digest)
    }

    /// True when `candidate` is one of the valid tokens. Comparing fixed-length digests in constant time means
    /// neither a token's content nor its length leaks through timing.
    public func accepts(_ candidate: String) -> Bool {
        let digest = Self.digest(candidate)
        var matched = false
        for valid in digests where ConstantTime.equal(valid, digest) {
            matched = true
        }
        return matched
    }

    public var count: Int { digests.count }

    private static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// `KEELSON_INTERNAL_TOKENS`, else the file `make run` generated.
    public static func load(from environment: EnvironmentReader, searchingFrom directory: String = FileManager.default.currentDirectoryPath)
        throws(ConfigurationError) -> InternalTokens
    {
        if let text = environment.string(variable) {
            return try InternalTokens(text.split(separator: ",").map(String.init))
        }
        if let local = LocalStateFile.read(localFileName, startingAt: directory) {
            return try InternalTokens(local.contents.split(whereSeparator: { $0 == "," || $0 == "\n" }).map(String.init))
        }
        throw ConfigurationError(
            variable: variable,
            problem: "not set; set it to a comma-separated list of tokens from `keelson secrets generate` (make run does this for you)")
    }
}
