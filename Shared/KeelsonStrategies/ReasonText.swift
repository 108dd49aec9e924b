extension Double {
    /// This value rounded to `places` decimals as a signal's reason shows it: the same text as
    /// `rounded(toPlaces:).description`, written from the scaled integer for the usual magnitudes, because a long
    /// backtest signals tens of thousands of times and the general shortest-digits search is most of a signal's cost.
    func reasonText(places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (self * scale).rounded()
        let rounded = scaled / scale
        // Inside these bounds Swift prints plain decimals, and neighbouring Doubles are closer than a fifth of the last
        // place, so no shorter decimal round-trips: the scaled integer's digits are exactly `description`'s.
        guard abs(rounded) >= 1e-4, abs(scaled) < 1e15, places > 0, places <= 9 else { return rounded.description }
        let units = Int64(scaled).magnitude
        let divisor = UInt64(scale)
        var whole = units / divisor
        var fraction = units % divisor
        var fractionDigits = places
        while fractionDigits > 1, fraction % 10 == 0 {
            fraction /= 10
            fractionDigits -= 1
        }
        // Written right to left into one buffer: at most a sign, 15 digits and a point.
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var end = 24
            for _ in 0..<fractionDigits {
                end -= 1
                buffer[end] = UInt8(ascii: "0") + UInt8(fraction % 10)
                fraction /= 10
            }
            end -= 1
            buffer[end] = UInt8(ascii: ".")
            repeat {
                end -= 1
                buffer[end] = UInt8(ascii: "0") + UInt8(whole % 10)
                whole /= 10
            } while whole > 0
            if scaled < 0 {
                end -= 1
                buffer[end] = UInt8(ascii: "-")
            }
            let count = 24 - end
            for index in 0..<count { buffer[index] = buffer[end + index] }
            return count
        }
    }
}
