import TandemModel

extension ResourceConfig {
    static let nameRule = "must be 1-48 characters of letters, digits, '_', '-' or '.', starting with a letter, digit or '_'"

    /// LINSTOR's resource and node names, plus '.', which host names use.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= nameLengthMax else { return false }
        func allowed(_ c: Unicode.Scalar) -> Bool {
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "-" || c == ".")
        }
        return first != "-" && first != "." && name.unicodeScalars.allSatisfy(allowed)
    }

    /// Checks the cross-field rules the grammar cannot express.
    public func validate() throws(ResourceFileProblem) {
        guard Self.isValidName(name) else { throw ResourceFileProblem("resource name '\(name)' \(Self.nameRule)") }
        guard Self.isValidName(nodeName) else { throw ResourceFileProblem("node name '\(nodeName)' \(Self.nameRule)") }
        guard (0..<Self.nodeIdLimit).contains(nodeId) else {
            throw ResourceFileProblem("node-id \(nodeId) of this node is outside 0...\(Self.nodeIdLimit - 1)")
        }
        guard (1...65535).contains(address.port) else { throw ResourceFileProblem("port \(address.port) is outside 1...65535") }
        try validateVolumes()
        try validatePeers()
    }

    private func validateVolumes() throws(ResourceFileProblem) {
        guard !volumes.isEmpty else { throw ResourceFileProblem("the resource has no volumes") }
        guard volumes.count <= Self.volumesMax else {
            throw ResourceFileProblem("the resource has \(volumes.count) volumes; at most \(Self.volumesMax) are supported")
        }
        var numbers: Set<Int> = [], minors: Set<Int> = [], paths: Set<String> = []
        for v in volumes {
            guard (0...Self.volumeNumberMax).contains(v.number) else { throw ResourceFileProblem("volume number \(v.number) is outside 0...\(Self.volumeNumberMax)") }
            guard numbers.insert(v.number).inserted else { throw ResourceFileProblem("volume \(v.number) is defined twice") }
            guard minors.insert(v.minor).inserted else { throw ResourceFileProblem("minor \(v.minor) is used by two volumes") }
            guard v.size.rawValue > 0, v.size.rawValue % Self.sizeGranularityBytes == 0 else {
                throw ResourceFileProblem("volume \(v.number): size \(v.size.rawValue) bytes is not a positive multiple of 4 KiB (the out-of-sync bitmap's block)")
            }
            guard v.size <= Self.volumeSizeMax else { throw ResourceFileProblem("volume \(v.number): size \(v.size) is larger than 1 PiB") }
            if let path = v.backingPath {
                guard path.hasPrefix("/") else { throw ResourceFileProblem("volume \(v.number): disk '\(path)' is not an absolute path") }
                guard !path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    throw ResourceFileProblem("volume \(v.number): the disk path contains a control character")
                }
                guard paths.insert(path).inserted else { throw ResourceFileProblem("disk \(path) backs two volumes") }
            }
        }
        let disklessCount = volumes.filter { $0.backingPath == nil }.count
        guard disklessCount == 0 || disklessCount == volumes.count else {
            throw ResourceFileProblem("either every volume has a disk or none has (a node is diskless for the whole resource)")
        }
    }

    private func validatePeers() throws(ResourceFileProblem) {
        guard peers.count <= Self.peersMax else { throw ResourceFileProblem("\(peers.count) peers; at most \(Self.peersMax) are possible") }
        var ids: Set<Int> = [nodeId], names: Set<String> = [nodeName]
        for p in peers {
            guard (0..<Self.nodeIdLimit).contains(p.nodeId) else {
                throw ResourceFileProblem("peer \(p.nodeName): node-id \(p.nodeId) is outside 0...\(Self.nodeIdLimit - 1)")
            }
            guard ids.insert(p.nodeId).inserted else { throw ResourceFileProblem("node-id \(p.nodeId) is used twice (peer \(p.nodeName))") }
            guard names.insert(p.nodeName).inserted else { throw ResourceFileProblem("node name \(p.nodeName) is used twice") }
            guard Self.isValidName(p.nodeName) else { throw ResourceFileProblem("peer name '\(p.nodeName)' \(Self.nameRule)") }
            guard p.address != address else { throw ResourceFileProblem("peer \(p.nodeName) has this node's own address \(address)") }
        }
        if isDiskless, peers.allSatisfy(\.diskless) {
            throw ResourceFileProblem("this node is diskless and so is every peer: nobody holds the data")
        }
    }
}
