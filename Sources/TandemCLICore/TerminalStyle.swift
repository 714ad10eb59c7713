/// How output is decorated: ANSI colours only when stdout is a terminal and NO_COLOR is unset,
/// box-drawing characters unless the user asks for plain ASCII. Decided once by the shell
/// (which knows about the terminal) and passed down as a value.
public struct TerminalStyle: Sendable, Equatable {
    public var colors: Bool
    public var utf8: Bool

    public init(colors: Bool, utf8: Bool = true) { self.colors = colors; self.utf8 = utf8 }

    public static let plain = TerminalStyle(colors: false, utf8: true)

    /// The colours the linstor client uses (bright ANSI variants).
    public enum Color: String, Sendable {
        case red = "\u{1B}[91m"
        case green = "\u{1B}[92m"
        case yellow = "\u{1B}[93m"
        case blue = "\u{1B}[94m"
        case darkRed = "\u{1B}[31m"
    }
    static let reset = "\u{1B}[0m"

    public func paint(_ text: String, _ color: Color?) -> String {
        guard colors, let color else { return text }
        return color.rawValue + text + Self.reset
    }

    /// The policy for a given environment: `isTerminal` is isatty(stdout); NO_COLOR (any
    /// non-empty value, https://no-color.org) and --no-color switch colours off.
    public static func decide(isTerminal: Bool, environment: [String: String], noColorFlag: Bool, noUTF8Flag: Bool) -> TerminalStyle {
        let noColorEnv = !(environment["NO_COLOR"] ?? "").isEmpty
        return TerminalStyle(colors: isTerminal && !noColorEnv && !noColorFlag, utf8: !noUTF8Flag)
    }
}
