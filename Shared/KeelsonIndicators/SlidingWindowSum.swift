/// The sum of the last `capacity` values, without ever subtracting a value that leaves the window.
///
/// A running sum that adds the newcomer and subtracts the leaver keeps the leaver's rounding error forever:
/// after a huge value leaves, the residue can dwarf the small values still in the window, and a window of zeros
/// no longer sums to exactly 0. The two-stacks scheme avoids subtraction: the older part of the window is held as
/// suffix sums (rebuilt in one O(n) pass each time it runs out, so O(1) amortised), the newer part as a plain
/// running sum, and the total adds one of each. Every total is then as accurate as summing the window afresh.
struct SlidingWindowSum<Element: AdditiveArithmetic & Sendable>: Sendable {
    let capacity: Int
    private var items: RingBuffer<Element>
    /// `suffixSums[j]` is the sum of front items j… (front = the items in the window at the last rebuild).
    private var suffixSums: [Element] = []
    /// Front items already gone from the window.
    private var consumed = 0
    /// Sum of the items appended since the last rebuild; all of them are still in the window.
    private var backSum = Element.zero

    init(capacity: Int) {
        self.capacity = capacity
        items = RingBuffer(capacity: capacity)
        suffixSums.reserveCapacity(capacity)
    }

    var count: Int { items.count }
    var isFull: Bool { items.isFull }

    var total: Element {
        consumed < suffixSums.count ? suffixSums[consumed] + backSum : backSum
    }

    /// Appends a value, dropping the oldest once the window is full.
    mutating func append(_ value: Element) {
        if items.isFull {
            if consumed == suffixSums.count { rebuildFront() }
            items.removeFirst()
            consumed += 1
        }
        items.append(value)
        backSum += value
    }

    private mutating func rebuildFront() {
        suffixSums.removeAll(keepingCapacity: true)
        for _ in 0..<items.count { suffixSums.append(.zero) }
        var running = Element.zero
        for offset in stride(from: items.count - 1, through: 0, by: -1) {
            running += items[offset]
            suffixSums[offset] = running
        }
        consumed = 0
        backSum = .zero
    }
}
