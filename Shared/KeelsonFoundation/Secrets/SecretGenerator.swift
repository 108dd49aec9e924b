/// Random secrets from the system's cryptographically secure generator (getrandom on Linux).
public enum SecretGenerator {
    /// `bytes` random bytes as lowercase hex (64 characters for the default 32 bytes).
    public static func token(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            return String(byte, radix: 16).leftPadded(to: 2)
        }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
