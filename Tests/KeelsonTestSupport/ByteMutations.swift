/// Random damage to a file's bytes for the bad-input tests: one to three of a byte changed, a run cut, a run
/// repeated, the rest cut off, or an odd token spliced in.
public enum ByteMutations {
    public static func mutate<G: RandomNumberGenerator>(_ bytes: [UInt8], splicing tokens: [[UInt8]], using generator: inout G) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &generator)
            case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...20, using: &generator)))
            case 2: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + Int.random(in: 1...40, using: &generator))], at: at)
            case 3: bytes.removeSubrange(at...)
            default: bytes.insert(contentsOf: tokens.randomElement(using: &generator) ?? [], at: at)
            }
        }
        return bytes
    }
}
