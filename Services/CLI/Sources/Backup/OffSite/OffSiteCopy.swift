import Foundation

/// A backup copied off-site, checked there, and pruned on both ends by the same rule.
struct OffSiteCopy: Sendable {
    let store: any OffSiteStore

    struct Shipped: Encodable, Sendable {
        var destination: String
        var files: [String]
        var verified: Bool
        var seconds: Double
    }

    /// Uploads the dump, then its manifest (a dump off-site without its manifest is an upload cut short), then
    /// downloads the dump again and checks its SHA-256 against the manifest.
    func ship(dump: URL, manifest: BackupManifest) async throws -> Shipped {
        let started = ContinuousClock.now
        let manifestURL = BackupManifest.url(forDump: dump)
        try await store.put(dump, as: dump.lastPathComponent)
        try await store.put(manifestURL, as: manifestURL.lastPathComponent)
        let check = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-verify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: check) }
        try await store.get(dump.lastPathComponent, to: check)
        let copied = try FileChecksum.of(check)
        guard copied.sha256 == manifest.sha256, copied.size == manifest.sizeBytes else {
            throw OffSiteError(
                description:
                    "the copy of \(dump.lastPathComponent) in \(store.description) does not match its manifest (\(copied.size) bytes, SHA-256 \(copied.sha256.prefix(12))…); it was not verified"
            )
        }
        return Shipped(
            destination: store.description, files: [dump.lastPathComponent, manifestURL.lastPathComponent], verified: true,
            seconds: Elapsed.seconds(since: started))
    }

    /// The backups off-site, oldest first: dump names with their time, and whether the manifest is there too.
    func backups() async throws -> [(name: String, createdAt: Date, complete: Bool)] {
        let objects = try await store.list()
        return objects.keys.filter { $0.hasPrefix(BackupDirectory.prefix) && $0.hasSuffix(BackupDirectory.dumpSuffix) }
            .compactMap { name in
                BackupDirectory.time(inName: name).map { (name, $0, objects[name + BackupManifest.suffix] != nil) }
            }
            .sorted { ($0.createdAt, $0.name) < ($1.createdAt, $1.name) }
    }

    /// Deletes the off-site backups `BackupRetention` lets go; returns the names deleted.
    func prune(_ retention: BackupRetention, now: Date, dryRun: Bool) async throws -> [String] {
        let backups = try await backups().filter(\.complete)
        var removed: [String] = []
        for backup in retention.expired(backups.map { ($0.name, $0.createdAt) }, now: now) {
            for name in [backup, backup + BackupManifest.suffix] {
                if !dryRun { try await store.delete(name) }
                removed.append(name)
            }
        }
        return removed
    }

    /// The newest complete off-site backup, downloaded (manifest, then dump) into `directory` and checked against its
    /// manifest; a copy already there that matches is used as it is.
    func fetchLatest(into directory: BackupDirectory) async throws -> URL {
        guard let newest = try await backups().last(where: \.complete) else {
            throw OffSiteError(description: "no complete backup (dump and manifest) in \(store.description)")
        }
        try directory.createIfMissing()
        let dump = directory.url.appendingPathComponent(newest.name)
        let manifestURL = BackupManifest.url(forDump: dump)
        try await store.get(newest.name + BackupManifest.suffix, to: manifestURL)
        let manifest = try BackupManifest.read(forDump: dump)
        if let local = try? FileChecksum.of(dump), local.sha256 == manifest.sha256 { return dump }
        let partial = directory.url.appendingPathComponent("." + newest.name + BackupDirectory.partialSuffix)
        try await store.get(newest.name, to: partial)
        try? FileManager.default.removeItem(at: dump)
        try FileManager.default.moveItem(at: partial, to: dump)
        return dump
    }
}

/// Which backups to keep, the same rule on both ends: the newest `keepCount` always, and any taken within the last
/// `keepDays`; the rest go.
struct BackupRetention: Sendable, Equatable {
    var keepDays: Int
    var keepCount: Int

    /// Names (oldest first in `backups`) to delete.
    func expired(_ backups: [(name: String, createdAt: Date)], now: Date) -> [String] {
        let cutoff = now.addingTimeInterval(-Double(keepDays) * 86_400)
        let protected = Set(backups.suffix(max(1, keepCount)).map(\.name))
        return backups.filter { $0.createdAt < cutoff && !protected.contains($0.name) }.map(\.name)
    }
}
