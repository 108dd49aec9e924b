/// Where each service listens, from `KEELSON_<SERVICE>_URL`.
public struct ServiceURLs: Sendable, Equatable {
    private var urls: [ServiceIdentity: String]

    public init(_ urls: [ServiceIdentity: String] = [:]) {
        self.urls = urls
    }

    public subscript(service: ServiceIdentity) -> String {
        get { urls[service] ?? service.defaultURL }
        set { urls[service] = newValue }
    }

    public static func load(from environment: EnvironmentReader) throws(ConfigurationError) -> ServiceURLs {
        var result = ServiceURLs()
        for service in ServiceIdentity.allCases {
            if let value = try environment.httpURL(service.urlVariable) { result[service] = value }
        }
        return result
    }
}
