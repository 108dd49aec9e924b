import Foundation
import Hummingbird
import HummingbirdTesting
import KeelsonFoundation
import KeelsonPersistence
import KeelsonTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@testable import KeelsonServiceKit

@Suite("What a slow shutdown says it waits on")
struct RunningWorkTests {
    @Test("requests and background services are listed while they run, oldest first, and gone once done")
    func listing() async throws {
        let work = RunningWork()
        let request = work.requestStarted("POST /internal/v1/candles")
        try await Task.sleep(for: .milliseconds(20))
        work.service("LeaderElection", .stopping)
        #expect(work.unfinished.count == 2)
        #expect(work.unfinished.first?.hasPrefix("POST /internal/v1/candles for 0.") == true)
        #expect(work.unfinished.last == "LeaderElection stopping for 0.0 s")
        work.requestEnded(request)
        work.service("LeaderElection", nil)
        #expect(work.unfinished.isEmpty)
    }

    @Test("a request being answered is listed by method and path; answered, it is not")
    func requestsAreListed() async throws {
        let runtime = ServiceRuntime(
            configuration: try TestConfiguration.service(
                .signals, database: DatabaseURL(host: "127.0.0.1", port: 1, username: "u", password: nil, database: "x")))
        let router = runtime.makeRouter()
        router.get("busy") { _, _ in runtime.metrics.runningWork.unfinished.joined(separator: "; ") }
        try await runtime.makeApplication(router: router).test(.router) { client in
            try await client.execute(uri: "/busy", method: .get) { response in
                #expect(String(buffer: response.body).contains("GET /busy for 0."))
            }
        }
        #expect(runtime.metrics.runningWork.unfinished.isEmpty)
    }

    @Test("a traced background service reads running, then stopping once asked to stop, and is gone when it has stopped")
    func tracedService() async throws {
        let work = RunningWork()
        let service = UntilShutdown(work: work)
        let group = ServiceGroup(configuration: .init(services: [TracedService(base: service, work: work)], logger: .init(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while work.unfinished.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
            #expect(work.unfinished.first?.hasPrefix("UntilShutdown running") == true)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(service.seenWhileStopping.withLock { $0 }.first?.hasPrefix("UntilShutdown stopping") == true)
        #expect(work.unfinished.isEmpty)
    }

    @Test("a service that ignores being asked to stop and being cancelled is left behind after its limit; the group ends")
    func boundedStop() async throws {
        let stubborn = Stubborn()
        let group = ServiceGroup(
            configuration: .init(
                services: [BoundedStopService(base: stubborn, limit: .milliseconds(100), logger: .init(label: "test"))],
                logger: .init(label: "test")))
        let running = Task { try await group.run() }
        while !stubborn.started { try await Task.sleep(for: .milliseconds(5)) }
        await group.triggerGracefulShutdown()
        // Bounded only so a regression fails instead of hanging the suite.
        try await withDeadline(.seconds(30)) { try await running.value }
        #expect(!stubborn.ended)
        stubborn.release()
    }

    /// Ends only when the test releases it: neither a graceful shutdown nor cancellation reaches it.
    final class Stubborn: Service {
        private let waiting = Mutex<(started: Bool, ended: Bool, continuation: CheckedContinuation<Void, Never>?)>((false, false, nil))

        var started: Bool { waiting.withLock { $0.started } }
        var ended: Bool { waiting.withLock { $0.ended } }

        func run() async throws {
            await withCheckedContinuation { continuation in waiting.withLock { $0 = (true, false, continuation) } }
            waiting.withLock { $0.ended = true }
        }

        func release() { waiting.withLock { $0.continuation.take() }?.resume() }
    }

    /// Ends when asked to stop, noting what was listed as it stopped.
    final class UntilShutdown: Service {
        let work: RunningWork
        let seenWhileStopping = Mutex<[String]>([])

        init(work: RunningWork) { self.work = work }

        func run() async throws {
            try? await gracefulShutdown()
            try? await Task.sleep(for: .milliseconds(10))
            seenWhileStopping.withLock { $0 = work.unfinished }
        }
    }
}
