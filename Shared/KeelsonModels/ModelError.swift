/// What is wrong with a model request, in one sentence that says what to do. The CLI prints it with exit 2;
/// the services answer it as a 400 (bad request) or 409 (a stored model that cannot be used).
public struct ModelError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
