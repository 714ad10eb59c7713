/// One token of a resource file with the line it starts on.
struct ResourceFileToken: Equatable {
    enum Kind: Equatable { case word, quoted, openBrace, closeBrace, semicolon }
    var kind: Kind
    var text: String
    var line: Int
}

/// Splits resource-file text into words, quoted strings, braces and semicolons.
/// `#` starts a comment to the end of the line (outside quotes). Quoted strings may contain
/// `\"` and `\\`; they exist so a backing path with spaces can be written.
enum ResourceFileTokenizer {
    /// Resource files are small; anything larger is not one of ours.
    static let fileBytesMax = 1 << 20
    static let tokenLengthMax = 4096

    static func tokenize(_ text: String, file: String) throws(ResourceFileError) -> [ResourceFileToken] {
        func fail(_ line: Int, _ message: String) -> ResourceFileError { ResourceFileError(file: file, line: line, message: message) }
        var tokens: [ResourceFileToken] = []
        var line = 1
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.first {
            switch c {
            case "\n": line += 1; chars.removeFirst()
            case " ", "\t", "\r": chars.removeFirst()
            case "#":
                while let d = chars.first, d != "\n" { chars.removeFirst() }
            case "{": tokens.append(.init(kind: .openBrace, text: "{", line: line)); chars.removeFirst()
            case "}": tokens.append(.init(kind: .closeBrace, text: "}", line: line)); chars.removeFirst()
            case ";": tokens.append(.init(kind: .semicolon, text: ";", line: line)); chars.removeFirst()
            case "\"":
                chars.removeFirst()
                let start = line
                var value = String.UnicodeScalarView()
                var closed = false
                while let d = chars.popFirst() {
                    if d == "\"" { closed = true; break }
                    if d == "\n" { throw fail(start, "a quoted string does not end on its line") }
                    if d == "\\" {
                        guard let e = chars.popFirst(), e == "\"" || e == "\\" else {
                            throw fail(start, "only \\\" and \\\\ may be escaped in a quoted string")
                        }
                        value.append(e)
                    } else {
                        value.append(d)
                    }
                    if value.count > tokenLengthMax { throw fail(start, "a quoted string is longer than \(tokenLengthMax) characters") }
                }
                guard closed else { throw fail(start, "a quoted string is not closed") }
                tokens.append(.init(kind: .quoted, text: String(value), line: start))
            default:
                if c.properties.generalCategory == .control {
                    throw fail(line, "control character U+\(String(c.value, radix: 16, uppercase: true)) is not allowed")
                }
                var value = String.UnicodeScalarView()
                while let d = chars.first, !" \t\r\n{};#\"".unicodeScalars.contains(d) {
                    if d.properties.generalCategory == .control { break }
                    value.append(d); chars.removeFirst()
                    if value.count > tokenLengthMax { throw fail(line, "a word is longer than \(tokenLengthMax) characters") }
                }
                tokens.append(.init(kind: .word, text: String(value), line: line))
            }
        }
        return tokens
    }
}
