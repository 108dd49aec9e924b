import HTTPTypes
import Hummingbird
import KeelsonFoundation

/// Counts every request and times it, labelled by the matched route (not the raw path, which would let
/// callers create unbounded label values). Successful responses carry the time in a standard `Server-Timing`
/// header, so a client (the benchmarks, a browser) can tell the service's own time from the network's. While it
/// runs, a request is listed in `RunningWork`, so a slow shutdown can name the requests it waits on.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    public init(metrics: ServiceMetrics) {
        self.metrics = metrics
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        let running = metrics.runningWork.requestStarted("\(request.method.rawValue) \(request.uri.path)")
        defer {
            metrics.runningWork.requestEnded(running)
            metrics.recordRequest(
                route: context.endpointPath ?? "unmatched",
                method: request.method.rawValue,
                status: status,
                duration: ContinuousClock.now - start
            )
        }
        do {
            var response = try await next(request, context)
            status = response.status.code
            let milliseconds = (ContinuousClock.now - start).milliseconds
            if let name = HTTPField.Name("Server-Timing") {
                response.headers[name] = "app;dur=\((milliseconds * 1000).rounded() / 1000)"
            }
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }
}
