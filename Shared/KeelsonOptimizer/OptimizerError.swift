/// Why an optimisation cannot run as asked; each description is one line that says what is wrong and what to do.
public struct OptimizerError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
