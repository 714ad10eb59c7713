import TandemModel

/// Strict parser for resource files. Anything it does not understand is an error naming the
/// file and line; nothing is guessed and no key may appear twice. See docs/resource-files.md.
public struct ResourceFileParser {
    private let file: String
    private var tokens: [ResourceFileToken]
    private var position = 0

    /// Parses the text of one resource file. `file` is used only in error messages.
    public static func parse(_ text: String, file: String) throws(ResourceFileError) -> ResourceConfig {
        guard text.utf8.count <= ResourceFileTokenizer.fileBytesMax else {
            throw ResourceFileError(file: file, line: nil, message: "is larger than \(ResourceFileTokenizer.fileBytesMax) bytes; not a resource file")
        }
        let tokens = try ResourceFileTokenizer.tokenize(text, file: file)
        var parser = ResourceFileParser(file: file, tokens: tokens)
        let config = try parser.parseFile()
        do throws(ResourceFileProblem) {
            try config.validate()
        } catch {
            throw ResourceFileError(file: file, line: nil, message: error.message)
        }
        return config
    }

    private init(file: String, tokens: [ResourceFileToken]) { self.file = file; self.tokens = tokens }

    // MARK: grammar

    private mutating func parseFile() throws(ResourceFileError) -> ResourceConfig {
        try expectWord("resource")
        let name = try value("resource name")
        let openLine = try expect(.openBrace, "'{' after the resource name").line
        var protocolValue: ReplicationProtocol?
        var options: ResourceOptions?
        var volumes: [VolumeConfig] = []
        var selfNode: (name: String, id: Int, address: EndpointAddress)?
        var peers: [ResourcePeerConfig] = []
        while let token = peek(), token.kind != .closeBrace {
            let keyword = try keywordToken()
            switch keyword.text {
            case "protocol":
                guard protocolValue == nil else { throw duplicate(keyword) }
                let text = try value("protocol")
                guard let p = ReplicationProtocol(rawValue: text) else {
                    throw error(keyword.line, "protocol must be A or C, not '\(text)'")
                }
                protocolValue = p
                try endStatement()
            case "options":
                guard options == nil else { throw duplicate(keyword) }
                options = try parseOptions()
            case "volume":
                let volume = try parseVolume(line: keyword.line)
                guard !volumes.contains(where: { $0.number == volume.number }) else {
                    throw error(keyword.line, "volume \(volume.number) is defined twice")
                }
                volumes.append(volume)
            case "on":
                guard selfNode == nil else { throw error(keyword.line, "only one 'on' section (this node) is allowed; other nodes are 'peer' sections") }
                let node = try parseNode(line: keyword.line, isPeer: false)
                selfNode = (node.nodeName, node.nodeId, node.address)
            case "peer":
                peers.append(try parseNode(line: keyword.line, isPeer: true))
            default:
                throw error(keyword.line, "unknown keyword '\(keyword.text)' in resource section; expected protocol, options, volume, on or peer")
            }
        }
        guard peek() != nil else { throw error(openLine, "the resource section opened here is not closed with '}'") }
        position += 1
        if let extra = peek() { throw error(extra.line, "unexpected '\(extra.text)' after the end of the resource section") }
        guard let selfNode else { throw error(openLine, "missing 'on NODE { node-id N; address HOST:PORT; }' for this node") }
        guard !volumes.isEmpty else { throw error(openLine, "the resource has no volume section") }
        return ResourceConfig(
            name: name, nodeName: selfNode.name, nodeId: selfNode.id, address: selfNode.address,
            replicationProtocol: protocolValue ?? .c, options: options ?? ResourceOptions(),
            volumes: volumes.sorted { $0.number < $1.number }, peers: peers.sorted { $0.nodeId < $1.nodeId })
    }

    private mutating func parseOptions() throws(ResourceFileError) -> ResourceOptions {
        try expect(.openBrace, "'{' after options")
        var options = ResourceOptions()
        var seen: Set<String> = []
        while let token = peek(), token.kind != .closeBrace {
            let key = try keywordToken()
            guard seen.insert(key.text).inserted else { throw duplicate(key) }
            let text = try value("a value for option \(key.text)")
            if let problem = options.set(key.text, text) { throw error(key.line, problem.message) }
            try endStatement()
        }
        try expect(.closeBrace, "'}' to close options")
        return options
    }

    private mutating func parseVolume(line: Int) throws(ResourceFileError) -> VolumeConfig {
        let numberText = try value("volume number")
        guard let number = Int(numberText), (0...ResourceConfig.volumeNumberMax).contains(number) else {
            throw error(line, "volume number must be 0...\(ResourceConfig.volumeNumberMax), not '\(numberText)'")
        }
        try expect(.openBrace, "'{' after the volume number")
        var size: ByteCount?, minor: Int?, disk: String??
        while let token = peek(), token.kind != .closeBrace {
            let key = try keywordToken()
            let text = try value("a value for \(key.text)")
            switch key.text {
            case "size":
                guard size == nil else { throw duplicate(key) }
                do { size = try ByteCount.parse(text, defaultUnit: 1) } catch { throw self.error(key.line, "volume \(number): \(error.description)") }
            case "minor":
                guard minor == nil else { throw duplicate(key) }
                guard let m = Int(text), (0...1_048_575).contains(m) else { throw error(key.line, "minor must be a number 0...1048575, not '\(text)'") }
                minor = m
            case "disk":
                guard disk == nil else { throw duplicate(key) }
                guard text == "none" || text.hasPrefix("/") else {
                    throw error(key.line, "disk must be an absolute path or 'none' (diskless), not '\(text)'")
                }
                disk = .some(text == "none" && tokens[position - 1].kind == .word ? nil : text)
            default:
                throw error(key.line, "unknown keyword '\(key.text)' in volume \(number); expected size, minor or disk")
            }
            try endStatement()
        }
        try expect(.closeBrace, "'}' to close volume \(number)")
        guard let size else { throw error(line, "volume \(number) has no 'size'") }
        guard let minor else { throw error(line, "volume \(number) has no 'minor'") }
        guard let disk else { throw error(line, "volume \(number) has no 'disk' (a path, or 'none' for diskless)") }
        return VolumeConfig(number: number, size: size, minor: minor, backingPath: disk)
    }

    private mutating func parseNode(line: Int, isPeer: Bool) throws(ResourceFileError) -> ResourcePeerConfig {
        let section = isPeer ? "peer" : "on"
        let nodeName = try value("a node name after '\(section)'")
        guard ResourceConfig.isValidName(nodeName) else { throw error(line, "node name '\(nodeName)' \(ResourceConfig.nameRule)") }
        try expect(.openBrace, "'{' after '\(section) \(nodeName)'")
        var nodeId: Int?, address: EndpointAddress?, diskless: Bool?
        while let token = peek(), token.kind != .closeBrace {
            let key = try keywordToken()
            let text = try value("a value for \(key.text)")
            switch key.text {
            case "node-id":
                guard nodeId == nil else { throw duplicate(key) }
                guard let n = Int(text), (0..<ResourceConfig.nodeIdLimit).contains(n) else {
                    throw error(key.line, "node-id must be 0...\(ResourceConfig.nodeIdLimit - 1), not '\(text)'")
                }
                nodeId = n
            case "address":
                guard address == nil else { throw duplicate(key) }
                switch EndpointAddress.parse(text) {
                case .success(let a): address = a
                case .failure(let problem): throw error(key.line, problem.message)
                }
            case "diskless" where isPeer:
                guard diskless == nil else { throw duplicate(key) }
                guard let b = ResourceOptions.bool(text) else { throw error(key.line, "diskless must be yes or no, not '\(text)'") }
                diskless = b
            default:
                let expected = isPeer ? "node-id, address or diskless" : "node-id or address"
                throw error(key.line, "unknown keyword '\(key.text)' in '\(section) \(nodeName)'; expected \(expected)")
            }
            try endStatement()
        }
        try expect(.closeBrace, "'}' to close '\(section) \(nodeName)'")
        guard let nodeId else { throw error(line, "'\(section) \(nodeName)' has no node-id") }
        guard let address else { throw error(line, "'\(section) \(nodeName)' has no address") }
        return ResourcePeerConfig(nodeName: nodeName, nodeId: nodeId, address: address, diskless: diskless ?? false)
    }

    // MARK: tokens

    private func peek() -> ResourceFileToken? { position < tokens.count ? tokens[position] : nil }

    private var lastLine: Int { tokens.last?.line ?? 1 }

    private mutating func keywordToken() throws(ResourceFileError) -> ResourceFileToken {
        guard let token = peek() else { throw error(lastLine, "unexpected end of file") }
        guard token.kind == .word else { throw error(token.line, "expected a keyword, found '\(token.text)'") }
        position += 1
        return token
    }

    private mutating func expectWord(_ word: String) throws(ResourceFileError) {
        guard let token = peek() else { throw error(1, "the file is empty; expected 'resource NAME { … }'") }
        guard token.kind == .word, token.text == word else {
            throw error(token.line, "expected '\(word)', found '\(token.text)'")
        }
        position += 1
    }

    private mutating func value(_ what: String) throws(ResourceFileError) -> String {
        guard let token = peek() else { throw error(lastLine, "unexpected end of file; expected \(what)") }
        guard token.kind == .word || token.kind == .quoted else {
            throw error(token.line, "expected \(what), found '\(token.text)'")
        }
        position += 1
        return token.text
    }

    @discardableResult
    private mutating func expect(_ kind: ResourceFileToken.Kind, _ what: String) throws(ResourceFileError) -> ResourceFileToken {
        guard let token = peek() else { throw error(lastLine, "unexpected end of file; expected \(what)") }
        guard token.kind == kind else { throw error(token.line, "expected \(what), found '\(token.text)'") }
        position += 1
        return token
    }

    private mutating func endStatement() throws(ResourceFileError) {
        guard let token = peek() else { throw error(lastLine, "unexpected end of file; expected ';'") }
        guard token.kind == .semicolon else { throw error(token.line, "expected ';' before '\(token.text)'") }
        position += 1
    }

    private func duplicate(_ token: ResourceFileToken) -> ResourceFileError {
        error(token.line, "'\(token.text)' is given twice")
    }

    private func error(_ line: Int, _ message: String) -> ResourceFileError {
        ResourceFileError(file: file, line: line, message: message)
    }
}
