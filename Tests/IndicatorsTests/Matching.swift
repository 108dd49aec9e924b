import Testing

/// The agreed tolerance: |a − b| ≤ 1e-9 · max(1, |b|), b being the reference.
func isClose(_ actual: Double, _ expected: Double, tolerance: Double = 1e-9) -> Bool {
    abs(actual - expected) <= tolerance * max(1, abs(expected))
}

/// Index of the first value, nil if there is none.
func firstValueIndex(_ values: [Double?]) -> Int? {
    values.firstIndex { $0 != nil }
}

/// Checks a computed column against a reference column row by row: nil exactly where the reference is nil,
/// every value within tolerance, and the warm-up ending where `firstValidIndex` says. Reports at most a few
/// rows so a systematic error does not flood the log.
func expectColumn(
    _ actual: [Double?], matches expected: [Double?], _ label: String, firstValidIndex: Int,
    tolerance: Double = 1e-9, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(label): \(actual.count) values for \(expected.count) rows", sourceLocation: sourceLocation)
    #expect(
        firstValueIndex(expected) == firstValidIndex,
        "\(label): reference starts at \(String(describing: firstValueIndex(expected))), firstValidIndex is \(firstValidIndex)",
        sourceLocation: sourceLocation)
    #expect(
        firstValueIndex(actual) == firstValidIndex,
        "\(label): first value at \(String(describing: firstValueIndex(actual))), firstValidIndex is \(firstValidIndex)",
        sourceLocation: sourceLocation)
    let gaps = actual.dropFirst(firstValidIndex).filter { $0 == nil }.count
    #expect(gaps == 0, "\(label): \(gaps) missing values after the warm-up", sourceLocation: sourceLocation)
    var problems: [String] = []
    var compared = 0
    for row in 0..<min(actual.count, expected.count) {
        switch (actual[row], expected[row]) {
        case (nil, nil):
            continue
        case let (value?, reference?):
            compared += 1
            if !isClose(value, reference, tolerance: tolerance) {
                problems.append("row \(row): \(value) vs reference \(reference)")
            }
        case let (value, reference):
            problems.append("row \(row): \(String(describing: value)) vs reference \(String(describing: reference))")
        }
    }
    #expect(compared > 0, "\(label): nothing was compared", sourceLocation: sourceLocation)
    #expect(problems.isEmpty, "\(label): \(problems.count) rows differ, e.g. \(problems.prefix(5))", sourceLocation: sourceLocation)
}
