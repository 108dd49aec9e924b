import Crypto
import Foundation

/// One numbered schema change, embedded in the binary so every executable carries the schema it expects.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let up: String
    public let down: String

    public init(version: Int, name: String, up: String, down: String) {
        self.version = version
        self.name = name
        self.up = up
        self.down = down
    }

    /// SHA-256 of the `up` script: what was applied is what is recorded, so an edited migration is detected.
    public var checksum: String {
        SHA256.hash(data: Data(up.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
