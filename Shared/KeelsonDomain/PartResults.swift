import Foundation

/// What the parts of a `concurrentPerform` found, collected by part number. (The domain imports only Foundation, so
/// this is an `NSLock` rather than `Synchronization.Mutex`.) Safe to send (hence `@unchecked`): the dictionary is
/// read and written only while the lock is held.
public final class PartResults<Found>: @unchecked Sendable {
    private let lock = NSLock()
    private var found: [Int: Found] = [:]

    public init() {}

    public func record(_ result: Found, part: Int) {
        lock.withLock { found[part] = result }
    }

    public var all: [Int: Found] { lock.withLock { found } }
}
