import Foundation
import KeelsonPersistence
import KeelsonServiceKit
import Synchronization

/// Keys verified recently, so a busy dashboard is not a PostgreSQL query per request. Entries are keyed by the
/// whole presented key's hash (a wrong secret for a known id never matches) and live `lifetime`; a key revoked
/// through this gateway is dropped at once.
final class VerifiedKeyCache: Sendable {
    private struct Entry {
        var caller: APICaller
        var verifiedAt: ContinuousClock.Instant
    }

    let lifetime: Duration
    static let maxEntries = 10_000
    private let entries = Mutex<[String: Entry]>([:])

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    func caller(for credential: APIKeyCredential, now: ContinuousClock.Instant = .now) -> APICaller? {
        guard lifetime > .zero else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[Self.key(credential)], now - entry.verifiedAt < lifetime else { return nil }
            return entry.caller
        }
    }

    func store(_ caller: APICaller, for credential: APIKeyCredential, now: ContinuousClock.Instant = .now) {
        guard lifetime > .zero else { return }
        entries.withLock { entries in
            if entries.count >= Self.maxEntries { entries = entries.filter { now - $0.value.verifiedAt < lifetime } }
            entries[Self.key(credential)] = Entry(caller: caller, verifiedAt: now)
        }
    }

    func forget(keyID: String) {
        entries.withLock { entries in entries = entries.filter { $0.value.caller.keyID != keyID } }
    }

    private static func key(_ credential: APIKeyCredential) -> String { credential.id + credential.secretHash }
}
