/// Writes the canonical text of a resource file: fixed order, four-space indents, every option
/// spelled out. Parsing the canonical text gives back an equal `ResourceConfig`, and writing a
/// parsed file gives back the canonical text, so the satellite can compare files as strings.
public enum ResourceFileWriter {
    public static func canonicalText(_ config: ResourceConfig) -> String {
        var out = "# Tandem engine resource file; format: docs/resource-files.md.\n"
        out += "resource \(word(config.name)) {\n"
        out += "    protocol \(config.replicationProtocol.rawValue);\n"
        out += "    options {\n"
        for (key, value) in config.options.canonicalPairs { out += "        \(key) \(value);\n" }
        out += "    }\n"
        for v in config.volumes.sorted(by: { $0.number < $1.number }) {
            out += "    volume \(v.number) {\n"
            out += "        size \(ResourceOptions.sizeText(v.size));\n"
            out += "        minor \(v.minor);\n"
            out += "        disk \(v.backingPath.map(word) ?? "none");\n"
            out += "    }\n"
        }
        out += "    on \(word(config.nodeName)) {\n"
        out += "        node-id \(config.nodeId);\n"
        out += "        address \(config.address);\n"
        out += "    }\n"
        for p in config.peers.sorted(by: { $0.nodeId < $1.nodeId }) {
            out += "    peer \(word(p.nodeName)) {\n"
            out += "        node-id \(p.nodeId);\n"
            out += "        address \(p.address);\n"
            out += "        diskless \(p.diskless ? "yes" : "no");\n"
            out += "    }\n"
        }
        out += "}\n"
        return out
    }

    /// A bare word when it can be read back as one, else a quoted string. The word `none` as a
    /// path is quoted so it cannot be mistaken for "diskless" (paths are absolute anyway).
    static func word(_ text: String) -> String {
        let special = " \t\r\n{};#\"\\".unicodeScalars
        if !text.isEmpty, text != "none", !text.unicodeScalars.contains(where: { special.contains($0) }) { return text }
        var quoted = "\""
        for c in text.unicodeScalars {
            if c == "\"" || c == "\\" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(c)
        }
        return quoted + "\""
    }
}
