// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "keelson",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "keelson-gateway", targets: ["keelson-gateway"]),
        .executable(name: "keelson-engine", targets: ["keelson-engine"]),
        .executable(name: "keelson-marketdata", targets: ["keelson-marketdata"]),
        .executable(name: "keelson-signals", targets: ["keelson-signals"]),
        .executable(name: "keelson", targets: ["keelson"]),
        .executable(name: "keelson-fake-exchange", targets: ["keelson-fake-exchange"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        // MARK: Shared libraries
        // Pure layers: no I/O, no clocks they do not receive, deterministic. Live trading, paper trading and the
        // backtester all run this code.
        .target(name: "KeelsonIndicators", path: "Shared/KeelsonIndicators", swiftSettings: swiftSettings),
        .target(name: "KeelsonDomain", path: "Shared/KeelsonDomain", swiftSettings: swiftSettings),
        // Configuration reading and errors, the circuit breaker, retry policy, JSON coding: nothing but Foundation, so
        // the exchange clients need no server library.
        .target(name: "KeelsonFoundation", path: "Shared/KeelsonFoundation", swiftSettings: swiftSettings),
        // The internal requests and paths that a sending and a receiving service share.
        .target(name: "KeelsonContracts", dependencies: ["KeelsonDomain"], path: "Shared/KeelsonContracts", swiftSettings: swiftSettings),
        .target(name: "KeelsonMarketData", dependencies: ["KeelsonDomain"], path: "Shared/KeelsonMarketData", swiftSettings: swiftSettings),
        .target(
            name: "KeelsonStrategies",
            dependencies: ["KeelsonDomain", "KeelsonIndicators", "KeelsonModels"],
            path: "Shared/KeelsonStrategies",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KeelsonTrading",
            dependencies: ["KeelsonDomain"],
            path: "Shared/KeelsonTrading",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KeelsonBacktest",
            dependencies: ["KeelsonTrading", "KeelsonStrategies", "KeelsonIndicators", "KeelsonDomain"],
            path: "Shared/KeelsonBacktest",
            swiftSettings: swiftSettings
        ),
        // Strategies as a portfolio: the lifecycle rules, the capital allocator, and the backtest that replays both.
        .target(
            name: "KeelsonPortfolio",
            dependencies: ["KeelsonBacktest", "KeelsonTrading", "KeelsonStrategies", "KeelsonIndicators", "KeelsonDomain"],
            path: "Shared/KeelsonPortfolio",
            swiftSettings: swiftSettings
        ),
        // The chart and table module (JavaScript and CSS, built into the code) that the gateway's dashboard serves and
        // the backtest and optimiser reports inline, so every chart reads the same way.
        .target(
            name: "KeelsonCharts", path: "Shared/KeelsonCharts",
            resources: [.embedInCode("Resources/chart.js"), .embedInCode("Resources/chart.css"), .embedInCode("Resources/report.js")],
            swiftSettings: swiftSettings
        ),
        // Prediction models (features, labels, logistic regression, gradient-boosted trees): pure, so the same code
        // trains, backtests and serves.
        .target(
            name: "KeelsonModels",
            dependencies: ["KeelsonIndicators", "KeelsonDomain"],
            path: "Shared/KeelsonModels",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KeelsonOptimizer",
            dependencies: ["KeelsonBacktest", "KeelsonStrategies", "KeelsonTrading", "KeelsonDomain", "KeelsonModels"],
            path: "Shared/KeelsonOptimizer",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KeelsonServiceKit",
            dependencies: [
                "KeelsonPersistence", "KeelsonFoundation", "KeelsonDomain", "KeelsonContracts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Shared/KeelsonServiceKit",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KeelsonNotifications",
            dependencies: [
                "KeelsonFoundation", "KeelsonPersistence",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/KeelsonNotifications",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KeelsonPersistence",
            dependencies: [
                "KeelsonFoundation", "KeelsonDomain", "KeelsonTrading", "KeelsonStrategies", "KeelsonModels",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Shared/KeelsonPersistence",
            swiftSettings: swiftSettings
        ),
        // Exchange REST/WebSocket clients with a shared request budget per exchange (the fake exchange that speaks
        // the same wire format for tests and local runs is in Tools/).
        .target(
            name: "KeelsonExchanges",
            dependencies: [
                "KeelsonDomain", "KeelsonMarketData", "KeelsonFoundation",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ],
            path: "Shared/KeelsonExchanges",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KeelsonFakeExchange",
            dependencies: [
                "KeelsonDomain",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/KeelsonFakeExchange",
            swiftSettings: swiftSettings
        ),

        // MARK: Services (library with the logic + thin executable)
        .target(
            name: "GatewayService",
            dependencies: [
                "KeelsonServiceKit", "KeelsonPersistence", "KeelsonContracts", "KeelsonNotifications", "KeelsonStrategies", "KeelsonCharts",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Services/Gateway/Sources",
            // docs/openapi.yaml (through a link), served at /api/openapi.yaml; the dashboard's page, script and style.
            resources: [
                .embedInCode("Resources/openapi.yaml"), .embedInCode("Resources/dashboard.html"), .embedInCode("Resources/dashboard.js"),
                .embedInCode("Resources/dashboard.css"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "keelson-gateway",
            dependencies: ["GatewayService", "KeelsonServiceKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/Gateway/Main", swiftSettings: swiftSettings),
        .target(
            name: "EngineService",
            dependencies: [
                "KeelsonServiceKit", "KeelsonTrading", "KeelsonDomain", "KeelsonPersistence", "KeelsonStrategies", "KeelsonIndicators",
                "KeelsonExchanges",
                "KeelsonContracts",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Services/Engine/Sources",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "keelson-engine",
            dependencies: ["EngineService", "KeelsonServiceKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/Engine/Main", swiftSettings: swiftSettings),
        .target(
            name: "MarketDataService",
            dependencies: ["KeelsonServiceKit", "KeelsonMarketData", "KeelsonExchanges", "KeelsonDomain", "KeelsonPersistence", "KeelsonContracts"],
            path: "Services/MarketData/Sources", swiftSettings: swiftSettings),
        .executableTarget(
            name: "keelson-marketdata",
            dependencies: ["MarketDataService", "KeelsonServiceKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/MarketData/Main", swiftSettings: swiftSettings),
        .target(
            name: "SignalsService",
            dependencies: [
                "KeelsonServiceKit", "KeelsonStrategies", "KeelsonDomain", "KeelsonPersistence", "KeelsonContracts", "KeelsonModels", "KeelsonIndicators",
                "KeelsonOptimizer", "KeelsonPortfolio",
            ],
            path: "Services/Signals/Sources", swiftSettings: swiftSettings),
        .executableTarget(
            name: "keelson-signals",
            dependencies: ["SignalsService", "KeelsonServiceKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/Signals/Main", swiftSettings: swiftSettings),
        .target(
            name: "KeelsonCLI",
            dependencies: [
                "KeelsonServiceKit", "KeelsonNotifications",
                "KeelsonFoundation",
                "KeelsonPersistence",
                "KeelsonDomain",
                "KeelsonIndicators",
                "KeelsonStrategies",
                "KeelsonMarketData",
                "KeelsonTrading",
                "KeelsonBacktest",
                "KeelsonPortfolio",
                // The strategies file, read by the portfolio backtest as the signal service reads it.
                "SignalsService",
                "KeelsonOptimizer",
                "KeelsonModels",
                "KeelsonExchanges",
                "KeelsonCharts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/CLI/Sources",
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "keelson", dependencies: ["KeelsonCLI"], path: "Services/CLI/Main", swiftSettings: swiftSettings),
        // A test double: the fake Binance and Coinbase endpoints on a local port, for tests and local runs.
        .executableTarget(
            name: "keelson-fake-exchange",
            dependencies: [
                "KeelsonFakeExchange",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/FakeExchangeMain",
            swiftSettings: swiftSettings
        ),

        // MARK: Benchmarks (`make bench`, release mode)
        .executableTarget(
            name: "keelson-bench",
            dependencies: [
                "KeelsonIndicators", "KeelsonStrategies", "KeelsonDomain", "KeelsonMarketData", "KeelsonPersistence", "EngineService",
                "GatewayService", "SignalsService", "KeelsonBacktest", "KeelsonOptimizer", "KeelsonTrading", "KeelsonModels",
                "KeelsonServiceKit", "KeelsonFoundation", "KeelsonPortfolio",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/KeelsonBench",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "KeelsonTestSupport",
            dependencies: [
                "KeelsonDomain",
                "KeelsonFoundation",
                "KeelsonServiceKit",
                "KeelsonPersistence",
                "KeelsonTrading",
                "KeelsonStrategies",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/KeelsonTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: [
                "KeelsonServiceKit", "KeelsonPersistence", "KeelsonDomain", "KeelsonTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/ServiceKitTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IndicatorsTests", dependencies: ["KeelsonIndicators", "KeelsonDomain", "KeelsonTestSupport"], path: "Tests/IndicatorsTests",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StrategiesTests",
            dependencies: ["KeelsonStrategies", "KeelsonDomain", "KeelsonIndicators", "KeelsonTestSupport"],
            path: "Tests/StrategiesTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarketDataTests",
            dependencies: [
                "MarketDataService", "KeelsonMarketData", "KeelsonTestSupport", "KeelsonServiceKit", "KeelsonPersistence", "KeelsonDomain",
                "KeelsonStrategies", "KeelsonExchanges", "KeelsonFakeExchange",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/MarketDataTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SignalsServiceTests",
            dependencies: [
                "SignalsService", "KeelsonTestSupport", "KeelsonServiceKit", "KeelsonPersistence", "KeelsonDomain", "KeelsonStrategies",
                "KeelsonContracts", "KeelsonModels", "KeelsonOptimizer", "KeelsonFoundation", "KeelsonPortfolio",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/SignalsServiceTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotificationsTests",
            dependencies: [
                "KeelsonNotifications", "KeelsonPersistence", "KeelsonServiceKit", "KeelsonTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/NotificationsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ModelsTests",
            dependencies: ["KeelsonModels", "KeelsonStrategies", "KeelsonIndicators", "KeelsonDomain", "KeelsonTestSupport"],
            path: "Tests/ModelsTests",
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TradingTests", dependencies: ["KeelsonTrading", "KeelsonDomain"], path: "Tests/TradingTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "BacktestTests",
            dependencies: [
                "KeelsonBacktest", "KeelsonOptimizer", "KeelsonPortfolio", "KeelsonTrading", "KeelsonStrategies", "KeelsonDomain", "KeelsonMarketData",
                "KeelsonTestSupport",
            ],
            path: "Tests/BacktestTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "GatewayService", "KeelsonTestSupport", "KeelsonServiceKit", "KeelsonPersistence",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/GatewayTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "EngineService", "KeelsonTrading", "KeelsonTestSupport", "KeelsonServiceKit", "KeelsonPersistence", "KeelsonDomain",
                "KeelsonStrategies", "SignalsService", "GatewayService",
                "KeelsonContracts",
                "KeelsonBacktest", "KeelsonPortfolio", "KeelsonMarketData", "KeelsonExchanges", "KeelsonFakeExchange",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/EngineTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PersistenceTests",
            dependencies: ["KeelsonFoundation", "KeelsonPersistence", "KeelsonTestSupport", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/PersistenceTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServicesTests",
            dependencies: [
                "GatewayService", "EngineService", "MarketDataService", "SignalsService", "KeelsonCLI", "KeelsonTestSupport",
                "KeelsonServiceKit", "KeelsonPersistence", "KeelsonFoundation", "KeelsonModels", "KeelsonDomain",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/ServicesTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BackupTests",
            dependencies: ["KeelsonTestSupport", "KeelsonPersistence", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/BackupTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExchangeTests",
            dependencies: [
                "KeelsonExchanges", "KeelsonFakeExchange", "KeelsonDomain", "KeelsonServiceKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Tests/ExchangeTests",
            swiftSettings: swiftSettings
        ),
    ]
)
