import Foundation
import NIOCore
import Testing
@testable import ReplicationCore

/// Scenario scripts with golden output (etcd raft's interaction tests): each file under
/// `Scenarios/` is a list of commands; under each command, after `----`, the trace it produced.
/// If a scenario fails after an intended change, run
/// `REWRITE_SCENARIOS=1 swift test --filter ScenarioTests` and review the diff.
@Suite("Replication core: scenario scripts")
struct ScenarioTests {
    /// The goldens beside this file, or `TANDEM_SCENARIO_DIR`: a test bundle copied elsewhere (the
    /// simulation station's frozen release bundles) keeps the source path it was compiled at, where
    /// another commit's goldens may stand by the time it runs; the station points it at a frozen copy.
    static let directory: URL = {
        if let dir = ProcessInfo.processInfo.environment["TANDEM_SCENARIO_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scenarios")
    }()

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test("scenario", arguments: ScenarioTests.files)
    func scenario(_ file: String) throws {
        let url = Self.directory.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        let script = ScenarioScript(text: text)
        let runner = ScenarioRunner()
        var rewritten: [String] = []
        for block in script.blocks {
            switch block {
            case .verbatim(let line): rewritten.append(line)
            case .command(let command, let expected):
                let actual = runner.run(command)
                rewritten.append(command)
                rewritten.append("----")
                rewritten += actual
                rewritten.append("")
                if ProcessInfo.processInfo.environment["REWRITE_SCENARIOS"] == nil {
                    #expect(actual == expected, "\(file): '\(command)' output differs:\n\(actual.joined(separator: "\n"))\n--- expected ---\n\(expected.joined(separator: "\n"))")
                }
            }
        }
        if ProcessInfo.processInfo.environment["REWRITE_SCENARIOS"] != nil {
            try (rewritten.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        }
    }
}

struct ScenarioScript {
    enum Block {
        case verbatim(String)
        case command(String, expected: [String])
    }
    var blocks: [Block] = []

    init(text: String) {
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if line.isEmpty || line.hasPrefix("#") {
                blocks.append(.verbatim(line))
                i += 1
                continue
            }
            var expected: [String] = []
            i += 1
            if i < lines.count && lines[i] == "----" {
                i += 1
                while i < lines.count && !lines[i].isEmpty {
                    expected.append(lines[i])
                    i += 1
                }
                i += 1  // the blank line ending the block
            } else if i < lines.count && lines[i].isEmpty {
                i += 1  // a command not yet run: its blank separator becomes the block's end
            }
            blocks.append(.command(line, expected: expected))
        }
    }
}

/// Interprets scenario commands against a `SimCluster`.
final class ScenarioRunner {
    var cluster: SimCluster?

    func run(_ line: String) -> [String] {
        let words = line.split(separator: " ").map(String.init)
        var args: [String] = []
        var options: [String: String] = [:]
        for word in words.dropFirst() {
            if let eq = word.firstIndex(of: "=") {
                options[String(word[..<eq])] = String(word[word.index(after: eq)...])
            } else {
                args.append(word)
            }
        }
        func node(_ i: Int) -> Int { Int(args[i].dropFirst())! }  // "n1" → 1
        func number(_ key: String, _ fallback: UInt64) -> UInt64 {
            guard let text = options[key] else { return fallback }
            if text.hasSuffix("K") { return UInt64(text.dropLast())! * 1024 }
            return UInt64(text)!
        }
        if words[0] == "cluster" {
            let quorum: QuorumPolicy = options["quorum"] == "majority" ? .majority : .off
            let onNoQuorum: OnNoQuorum = options["on-no-quorum"] == "io-error" ? .ioError : .suspendIO
            let clients = Set((options["diskless"] ?? "").split(separator: ",").compactMap { Int($0.dropFirst()) })
            let protocolA = options["protocol"] == "A"
            cluster = SimCluster(nodeCount: Int(number("nodes", 2)), sizeBytes: number("size", 64 * 1024),
                                 disklessClients: clients, configure: { config in
                config.quorum = quorum
                config.onNoQuorum = onNoQuorum
                config.activityLogExtentBytes = number("al-extent", 16 * 1024)
                config.activityLogExtentsMax = Int(number("al-extents", 4))
                if protocolA { config.peers = config.peers.map { var p = $0; p.replicationProtocol = .a; return p } }
                // `requests-max=1`: a protocol A write waits for a peer with that many unconfirmed.
                if let max = options["requests-max"] { config.clientRequestsMax = Int(max)! }
                // `resync-request=4K`: a resync asks for one block at a time, so that a test can
                // complete part of it (`complete`) and leave the rest out of sync.
                if options["resync-request"] != nil { config.resyncRequestBytesMax = UInt32(number("resync-request", 0)) }
            }, thin: options["thin"] == "yes")
            cluster!.trace = []
            return ["ok"]
        }
        guard let cluster else { return ["error: no cluster"] }
        cluster.trace = []
        switch words[0] {
        case "admin":
            let n = node(0)
            let rest = Array(args.dropFirst())
            let peer = options["peer"].map { NodeID(UInt8($0.dropFirst())!) }
            switch rest.first ?? "" {
            case "primary": cluster.admin(n, .primary(force: rest.contains("force")))
            case "secondary": cluster.admin(n, .secondary)
            case "connect": cluster.admin(n, .connect(peer: peer, discardMyData: rest.contains("discard-my-data")))
            case "disconnect": cluster.admin(n, .disconnect(peer: peer))
            case "invalidate": cluster.admin(n, .invalidate)
            case "verify": cluster.admin(n, .verify(peer: peer))
            case "detach": cluster.admin(n, .detach)
            case "skip-initial-sync": cluster.admin(n, .skipInitialSync)
            default: return ["error: unknown admin command \(rest)"]
            }
        case "connect-all":
            for n in cluster.nodes.indices { cluster.admin(n, .connect(peer: nil, discardMyData: false)) }
        case "write":
            let length = number("len", 4096)
            let pattern = UInt8(number("pattern", 0xAB))
            cluster.submit(node(0), .write(ByteBuffer(repeating: pattern, count: Int(length))),
                           offset: number("off", 0), length: UInt32(length), fua: args.contains("fua"))
        case "read":
            cluster.submit(node(0), .read, offset: number("off", 0), length: UInt32(number("len", 4096)))
        case "flush":
            cluster.submit(node(0), .flush)
        case "writers":
            cluster.step(node(0), .writersChanged(count: Int(args[1])!))
        case "stabilize":
            // `hold=n1`: n1's disk does not complete anything meanwhile (see `complete`).
            let held = Set((options["hold"] ?? "").split(separator: ",").compactMap { Int($0.dropFirst()) })
            // `hold-link=n0-n1`: n0's messages to n1 stay queued (n1's to n0 flow).
            let heldLinks = (options["hold-link"] ?? "").split(separator: ",").compactMap { pair -> (from: Int, to: Int)? in
                let ends = pair.split(separator: "-").compactMap { Int($0.dropFirst()) }
                return ends.count == 2 ? (ends[0], ends[1]) : nil
            }
            cluster.stabilize(holdingStorage: held, holdingLinks: heldLinks)
        case "tick":
            cluster.tick(Int(args.first ?? "1")!)
        case "partition":
            cluster.partition(UInt8(node(0)), UInt8(node(1)), oneWay: args.contains("one-way"))
        case "isolate":
            let n = UInt8(node(0))
            for m in cluster.nodes.indices where UInt8(m) != n { cluster.partition(n, UInt8(m)) }
        case "heal":
            cluster.heal()
        case "crash":
            cluster.crash(node(0), applyPending: { action in
                if case .write = action { return args.contains("apply-writes") }
                // `apply-metadata`: the metadata writes in flight landed, the data writes did not.
                if case .writeMetadata = action { return args.contains("apply-metadata") }
                return false
            })
        case "restart":
            cluster.restart(node(0))
        case "corrupt":
            // Change bytes behind the core's back (what online verify exists to find).
            let offset = Int(number("off", 0))
            cluster.nodes[node(0)].data[offset] ^= 0xFF
        case "fail-writes":
            cluster.nodes[node(0)].failWrites = Int(args[1])!
        case "connect-wanted":
            // Only bring up wanted links (handshakes queued, nothing delivered).
            cluster.connectWanted()
        case "deliver":
            cluster.deliver(from: UInt8(node(0)), to: UInt8(node(1)))
        case "complete":
            let n = node(0)
            let count = Int(args.count > 1 ? args[1] : "1")!
            // `fail`: each completes with an I/O error (a flush too, which `fail-writes` spares).
            // `at=K`: the K-th pending one (0 the oldest) completes first, as a disk that reorders
            // its completions may (the simulation's slow writes do).
            let at = Int(options["at"] ?? "0")!
            for _ in 0 ..< count where !cluster.nodes[n].pending.isEmpty {
                cluster.completeStorage(n, index: min(at, cluster.nodes[n].pending.count - 1), fail: args.contains("fail"))
            }
        case "trace-messages":
            cluster.traceMessages = args.first != "off"
        case "state":
            return cluster.statusLines()
        case "compare":
            return [compare(cluster)]
        case "metadata":
            // The durable header as a restart would read it (its flags say how the node returns).
            guard let metadata = cluster.nodes[node(0)].metadata else { return ["\(args[0]): no metadata"] }
            return ["\(args[0]): " + cluster.describe(metadata.header)]
        case "data":
            // What one block holds on a node's disk: a scenario about a lost write shows which
            // write each replica kept, not only whether they agree.
            let offset = Int(number("off", 0))
            let block = cluster.nodes[node(0)].data[offset ..< offset + 4096]
            let first = block.first!
            return ["\(args[0]) off=\(offset): " + (block.allSatisfy { $0 == first } ? "pattern=\(first)" : "mixed")]
        default:
            return ["error: unknown command \(words[0])"]
        }
        return cluster.trace.isEmpty ? ["(nothing)"] : cluster.trace.map { String($0.dropFirst(2)) }
    }

    func compare(_ cluster: SimCluster) -> String {
        let upToDate = cluster.nodes.indices.filter { cluster.nodes[$0].instance?.diskState == .upToDate }
        guard let first = upToDate.first else { return "no UpToDate replica" }
        let differing = upToDate.filter { cluster.nodes[$0].data != cluster.nodes[first].data }
        return differing.isEmpty
            ? "UpToDate replicas \(upToDate.map { "n\($0)" }.joined(separator: ",")) identical"
            : "DIFFER: n\(first) vs \(differing.map { "n\($0)" }.joined(separator: ","))"
    }
}
