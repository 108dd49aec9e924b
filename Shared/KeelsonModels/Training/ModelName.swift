import Foundation

/// A registry name, which the versions of one model share (the registry's table checks the same pattern).
public enum ModelName {
    public static let rule = "1 to 64 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit"

    public static func isValid(_ name: String) -> Bool {
        name.range(of: "^[a-z0-9][a-z0-9_.-]{0,63}$", options: .regularExpression) != nil
    }
}
