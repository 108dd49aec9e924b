import ServiceLifecycle

/// A background service whose phase (running, stopping, stopped) is kept in `RunningWork`, so a shutdown held up
/// by it can name it.
struct TracedService: Service {
    let base: any Service
    let work: RunningWork

    var name: String { (base as? CustomStringConvertible)?.description ?? String(describing: type(of: base)) }

    func run() async throws {
        let name = self.name
        work.service(name, .running)
        defer { work.service(name, nil) }
        try await withGracefulShutdownHandler {
            try await base.run()
        } onGracefulShutdown: { [work] in
            work.service(name, .stopping)
        }
    }
}
