/// A fixed-capacity double-ended queue. Windowed indicators keep exactly their window in one of these, so
/// memory is bounded by the period however long the stream runs, and no element is ever shifted.
struct RingBuffer<Element: Sendable>: Sendable {
    let capacity: Int
    private var storage: [Element] = []
    /// Physical index of the oldest element.
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a ring buffer needs room for at least one element")
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == capacity }

    /// Oldest element.
    var first: Element? { isEmpty ? nil : storage[head] }
    /// Newest element.
    var last: Element? { isEmpty ? nil : storage[physical(count - 1)] }

    /// Elements by age: 0 is the oldest.
    subscript(offset: Int) -> Element {
        precondition(offset >= 0 && offset < count, "ring buffer offset out of range")
        return storage[physical(offset)]
    }

    mutating func append(_ element: Element) {
        precondition(!isFull, "ring buffer is full")
        let slot = physical(count)
        // Storage only grows until the first wrap; after that every slot exists and is overwritten in place.
        if slot == storage.count {
            storage.append(element)
        } else {
            storage[slot] = element
        }
        count += 1
    }

    /// Puts `element` in a full buffer in place of the oldest element, which it returns.
    mutating func replaceOldest(with element: Element) -> Element {
        precondition(isFull, "only a full ring buffer replaces its oldest element")
        let oldest = storage[head]
        storage[head] = element
        head = head + 1 == capacity ? 0 : head + 1
        return oldest
    }

    @discardableResult
    mutating func removeFirst() -> Element {
        precondition(!isEmpty, "ring buffer is empty")
        let element = storage[head]
        head = head + 1 == capacity ? 0 : head + 1
        count -= 1
        return element
    }

    @discardableResult
    mutating func removeLast() -> Element {
        precondition(!isEmpty, "ring buffer is empty")
        let element = storage[physical(count - 1)]
        count -= 1
        return element
    }

    private func physical(_ offset: Int) -> Int {
        let index = head + offset
        return index >= capacity ? index - capacity : index
    }
}
