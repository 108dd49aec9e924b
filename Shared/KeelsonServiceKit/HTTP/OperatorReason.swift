import Foundation

/// The reason an operator gives with an action: it lands in the audit log, risk events and lifecycle history, so it is
/// checked the same way on every service — present, at most 500 characters, and printable (a NUL byte would fail the
/// database write; other control characters would garble logs and terminals).
public enum OperatorReason {
    public static let maximumLength = 500

    /// The reason trimmed, or a 400 whose detail shows `example` (the body that would have worked).
    public static func validated(_ reason: String?, example: String, recordedIn place: String) throws(APIError) -> String {
        // Checked before trimming: a line break is refused wherever it is, as the documented pattern says.
        if let reason, reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw APIError.badRequest("the reason holds a control character (a NUL, a tab, a line break…); write it on one line of text")
        }
        guard let reason = reason?.trimmingCharacters(in: .whitespaces), !reason.isEmpty else {
            throw APIError.badRequest("a reason is required: \(example); it is recorded in \(place)")
        }
        // Counted as JSON Schema counts (code points), so the documented maxLength is exactly the rule.
        guard reason.unicodeScalars.count <= maximumLength else {
            throw APIError.badRequest("the reason is \(reason.unicodeScalars.count) characters; keep it to \(maximumLength)")
        }
        return reason
    }
}
