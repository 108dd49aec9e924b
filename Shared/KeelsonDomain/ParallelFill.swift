import Foundation

/// An array of a trivial element type (numbers, structs of numbers) filled by several threads at once: what the
/// loads of a search's history do with the machine's cores — read a cache's columns, turn integers into Doubles.
public enum ParallelFill {
    /// `count` elements made by `parts` threads: part p initialises exactly its share `range` of the elements (the
    /// parts in order cover them all) through the pointer to the first one, and returns what it found. Nil when a part
    /// returns nil.
    public static func array<Element, Found: Sendable>(
        count: Int, parts: Int, _ fill: @Sendable (_ range: Range<Int>, _ first: UnsafeMutablePointer<Element>) -> Found?
    ) -> (elements: [Element], found: [Found])? {
        let parts = max(1, min(parts, count))
        var found: [Found]?
        let elements = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            let shared = SharedBase(pointer: base)
            let results = PartResults<Found>()
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                guard let result = fill((count * part / parts)..<(count * (part + 1) / parts), shared.pointer) else { return }
                results.record(result, part: part)
            }
            let all = results.all
            guard all.count == parts else { return }
            found = (0..<parts).map { all[$0]! }
            initialized = count
        }
        guard let found, elements.count == count else { return nil }
        return (elements, found)
    }
}

/// The first element of an array being filled, shared by the parts that fill it. Safe to send (hence `@unchecked`):
/// each part writes only its own range, the ranges do not overlap, and the array is neither read nor resized until
/// `concurrentPerform` has returned, which it does only after every part has finished.
private struct SharedBase<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
}
