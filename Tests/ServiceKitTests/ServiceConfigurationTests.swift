import KeelsonPersistence
import KeelsonServiceKit
import Testing

@Suite struct ServiceConfigurationTests {
    let base = [
        "DATABASE_URL": "postgres://keelson@127.0.0.1:5432/keelson",
        "KEELSON_INTERNAL_TOKENS": "token-0123456789abcdef",
    ]

    func load(_ overrides: [String: String], flags: ServiceFlags = ServiceFlags()) throws -> ServiceConfiguration {
        try ServiceConfiguration.load(service: .engine, environment: EnvironmentReader(base.merging(overrides) { _, new in new }), flags: flags)
    }

    @Test func safeDefaultsForLocalPaperTrading() throws {
        let configuration = try load([:])
        #expect(configuration.port == 8081)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.mode == .paper)
        #expect(configuration.logLevel == .info)
        #expect(configuration.serviceURLs[.gateway] == "http://127.0.0.1:8080")
    }

    @Test func readsEveryVariable() throws {
        let configuration = try load([
            "KEELSON_PORT": "9000", "KEELSON_HOST": "0.0.0.0", "KEELSON_MODE": "live", "LOG_LEVEL": "debug",
            "LOG_FORMAT": "json", "KEELSON_SIGNALS_URL": "http://signals:8083/", "KEELSON_REQUEST_TIMEOUT_MS": "750",
        ])
        #expect(configuration.port == 9000)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.mode == .live)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.logFormat == .json)
        #expect(configuration.serviceURLs[.signals] == "http://signals:8083")
        #expect(configuration.requestTimeout == .milliseconds(750))
    }

    @Test func flagsWinOverTheEnvironment() throws {
        let flags = ServiceFlags(port: "7001", logLevel: "error")
        let configuration = try load(["KEELSON_PORT": "9000", "LOG_LEVEL": "debug"], flags: flags)
        #expect(configuration.port == 7001)
        #expect(configuration.logLevel == .error)
    }

    @Test(arguments: [
        ("KEELSON_PORT", "abc", "KEELSON_PORT: 'abc' is not a port"),
        ("KEELSON_PORT", "70000", "KEELSON_PORT: '70000' is not a port"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: cannot be parsed"),
        ("KEELSON_MODE", "yolo", "KEELSON_MODE: 'yolo' is not allowed; expected one of: paper, live"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL: 'loud' is not a log level"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT: 'xml' is not allowed"),
        ("KEELSON_ENGINE_URL", "engine:8081", "KEELSON_ENGINE_URL: 'engine:8081' is not a URL"),
        ("KEELSON_INTERNAL_TOKENS", "short", "KEELSON_INTERNAL_TOKENS: token 1 is shorter"),
        ("KEELSON_REQUEST_TIMEOUT_MS", "-5", "KEELSON_REQUEST_TIMEOUT_MS: '-5' is not a duration"),
    ])
    func badValuesNameTheVariableAndTheExpectedForm(variable: String, value: String, message: String) {
        #expect {
            try load([variable: value])
        } throws: { error in
            (error as? ConfigurationError)?.description.hasPrefix(message) == true
        }
    }

    @Test func missingDatabaseSaysHowToGetOne() {
        #expect {
            try EnvironmentReader([:]).databaseURL(searchingFrom: "/")
        } throws: { error in
            "\(error)".contains("make run") && "\(error)".contains("DATABASE_URL")
        }
    }
}
