import ArgumentParser
import AsyncHTTPClient
import Foundation
import KeelsonServiceKit

struct CacheInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache-info",
        abstract: "Show the collector's in-memory candle cache: series, sizes, hit ratio (from KEELSON_MARKETDATA_URL)."
    )
    @Flag(help: "Print the collector's JSON as is.") var json = false

    func run() async throws {
        try await reportingErrors {
            let url: String
            do { url = try ServiceURLs.load(from: EnvironmentReader())[.marketdata] } catch let error as ConfigurationError {
                throw CLIError(error.description)
            }
            let body: Data
            do {
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url + "/api/v1/cache"), timeout: .seconds(5))
                guard response.status == .ok else { throw CLIError("\(url)/api/v1/cache answered \(response.status.code)") }
                body = Data(buffer: try await response.body.collect(upTo: 1 << 22))
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("cannot reach keelson-marketdata at \(url): \(HealthCommand.describe(error))")
            }
            if json {
                print(String(decoding: body, as: UTF8.self))
                return
            }
            struct Info: Decodable {
                struct Series: Decodable { var exchange: String; var symbol: String; var interval: String; var candles: Int; var newest: String? }
                var hits: Int; var misses: Int; var hit_ratio: Double?; var capacity_per_series: Int; var series: [Series]
            }
            guard let info = try? JSONDecoder().decode(Info.self, from: body) else {
                throw CLIError("keelson-marketdata sent an answer this CLI cannot read; is it the same version?")
            }
            print(
                TableFormatter.render(
                    header: ["exchange", "symbol", "interval", "candles", "newest"],
                    rows: info.series.map { [$0.exchange, $0.symbol, $0.interval, String($0.candles), $0.newest] }))
            print(
                "hits \(info.hits), misses \(info.misses), hit ratio \(info.hit_ratio.map { String(format: "%.1f %%", $0 * 100) } ?? "n/a"), up to \(info.capacity_per_series) candles per series"
            )
        }
    }
}
