import ServiceLifecycle

/// A background service whose phase (running, stopping, stopped) is kept in `RunningWork`, so a shutdown held up
/// by it can name it.
struct TracedService: Service {
    let base: any Service
    let work: RunningWork

    var name: String { serviceName(base) }

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

/// How logs and `RunningWork` name a background service: its description if it has one (the ServiceGroup's own
/// logs print every stored property), else its type.
func serviceName(_ service: any Service) -> String {
    (service as? any CustomStringConvertible)?.description ?? String(describing: type(of: service))
}
