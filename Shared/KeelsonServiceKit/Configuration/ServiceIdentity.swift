/// Which of the four services a process is, and the facts that follow from that.
public enum ServiceIdentity: String, Sendable, CaseIterable, Codable {
    case gateway, engine, marketdata, signals

    public var executableName: String { "keelson-\(rawValue)" }

    public var defaultPort: Int {
        switch self {
        case .gateway: 8080
        case .engine: 8081
        case .marketdata: 8082
        case .signals: 8083
        }
    }

    /// The variable that tells other processes where this service listens.
    public var urlVariable: String { "KEELSON_\(rawValue.uppercased())_URL" }

    public var defaultURL: String { "http://127.0.0.1:\(defaultPort)" }
}
