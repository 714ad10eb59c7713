/// The workload's log: what was acknowledged. A header line, then one line per write, appended
/// only after the NBD server acknowledged that write (and made durable before the next one is
/// counted), so the log never claims more than the server promised:
///
///     tandem-workload v1 block-bytes=4096 id=00c0ffee00c0ffee
///     17 1764120000000001
///     3 1764120000000002
///
/// A record is "BLOCK SEQUENCE". Sequences only grow, across runs too (each run starts at the
/// wall clock in microseconds), so the newest acknowledged write of a block is its largest
/// sequence in the log.
public struct WorkloadLog: Sendable, Equatable {
    public var blockBytes: Int
    public var logID: UInt64
    /// Per block, the sequence of its newest acknowledged write.
    public var newestAcknowledged: [UInt64: UInt64]
    /// Acknowledged writes in the log (all blocks, all runs).
    public var acknowledgedWrites: Int
    /// The largest sequence in the log (0 when it has no records).
    public var sequenceMax: UInt64

    public init(blockBytes: Int, logID: UInt64) {
        self.blockBytes = blockBytes; self.logID = logID
        newestAcknowledged = [:]; acknowledgedWrites = 0; sequenceMax = 0
    }

    public static func header(blockBytes: Int, logID: UInt64) -> String {
        "tandem-workload v1 block-bytes=\(blockBytes) id=\(hex(logID))\n"
    }

    public static func record(block: UInt64, sequence: UInt64) -> String { "\(block) \(sequence)\n" }

    public mutating func add(block: UInt64, sequence: UInt64) {
        acknowledgedWrites += 1
        sequenceMax = max(sequenceMax, sequence)
        if let known = newestAcknowledged[block], known >= sequence { return }
        newestAcknowledged[block] = sequence
    }

    /// Parses a log. A last line without its newline is ignored: the process writing it was
    /// killed in the middle of a record, whose write therefore was not yet counted.
    public static func parse(_ text: String, name: String) throws(WorkloadLogError) -> WorkloadLog {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() } else if !lines.isEmpty { lines.removeLast() }
        guard let first = lines.first else {
            throw WorkloadLogError("\(name) is empty: it is not a workload log (write one with 'tandem nbd workload --log \(name)')")
        }
        let fields = first.split(separator: " ")
        guard fields.count == 4, fields[0] == "tandem-workload", fields[1] == "v1",
              fields[2].hasPrefix("block-bytes="), let blockBytes = Int(fields[2].dropFirst("block-bytes=".count)),
              WorkloadBlock.sizeProblem(blockBytes) == nil,
              fields[3].hasPrefix("id="), let logID = UInt64(fields[3].dropFirst(3), radix: 16) else {
            throw WorkloadLogError("\(name) line 1: \"\(first.prefix(80))\" is not a workload log header (tandem-workload v1 block-bytes=N id=HEX)")
        }
        var log = WorkloadLog(blockBytes: blockBytes, logID: logID)
        for (index, line) in lines.enumerated().dropFirst() {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let block = UInt64(parts[0]), let sequence = UInt64(parts[1]) else {
                throw WorkloadLogError("\(name) line \(index + 1): \"\(line.prefix(80))\" is not \"BLOCK SEQUENCE\"")
            }
            log.add(block: block, sequence: sequence)
        }
        return log
    }
}

public struct WorkloadLogError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
