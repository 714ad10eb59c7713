import NIOCore
import Testing
@testable import ReplicationCore

/// A resync reply's third-node words (`ResyncReply.outOfSyncToward`, protocol 21) are a peer's
/// bytes, set into the target's bitmaps when its resync ends. What `thirdNodesLacking` never
/// sends is refused with an error naming the peer and the field before anything of the reply is
/// recorded or written (`thirdNodeWordsRefusal`); before, bits past the range were dropped, a
/// node named twice merged and the target's or the source's own id skipped, all silently.
@Suite("Replication core: a resync reply's third-node words that no source sends")
struct ResyncReplyThirdNodesTests {
    /// Three nodes, n0 Primary; n2 misses c2 (block 2) while cut off and, healed, resyncs it. The
    /// cluster runs until the first resync reply to n2 is at the head of its link; returns the
    /// script, the source and that reply.
    static func replyQueued() throws -> (script: RecordedScript, source: UInt8, reply: ResyncReply) {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K")
        script.run("isolate n2")
        script.run("write n0 off=8192 pattern=2")
        script.run("stabilize")
        script.run("heal")
        let cluster = try #require(script.runner.cluster)
        func replyAtHead(_ from: Int) -> ResyncReply? {
            guard case .resyncReply(let reply) = cluster.links[cluster.key(UInt8(from), 2)]?.queues[2]?.first else { return nil }
            return reply
        }
        var progress = true
        while progress {
            progress = cluster.connectWanted()
            for n in cluster.nodes.indices {
                while !cluster.nodes[n].pending.isEmpty { cluster.completeStorage(n); progress = true }
            }
            for a in 0 ..< 3 {
                for b in 0 ..< 3 where a != b {
                    while !(b == 2 && replyAtHead(a) != nil), cluster.deliver(from: UInt8(a), to: UInt8(b)) { progress = true }
                }
            }
        }
        let source = try #require((0 ..< 2).first { replyAtHead($0) != nil }, "no resync reply to n2:\n\(cluster.trace.joined(separator: "\n"))")
        return (script, UInt8(source), replyAtHead(source)!)
    }

    /// n2's bitmaps toward its peers, and its copy of block 2.
    static func targetState(_ cluster: SimCluster) -> [[UInt64]?] {
        cluster.nodes[2].instance!.peers.map { $0.bitmap?.words } + [[UInt64(cluster.nodes[2].data[8192])]]
    }

    enum Bad: CaseIterable, Sendable {
        case wordInFailedReply, target, source, twice, wordCount, bitPastRange
        /// The crash-only list (protocol 24) is checked alike.
        case crashOnlyTarget, crashOnlyWordCount
    }

    /// Each bad form of the words, in place of the real reply's (the range and the data stay the
    /// source's): n2 drops the connection saying which node sent what, records and writes
    /// nothing of the reply, and the next connection resyncs block 2 as usual.
    @Test("a resync reply's bad third-node words are refused, naming the peer and the field, and change nothing",
          arguments: Bad.allCases)
    func badWordsRefused(_ bad: Bad) throws {
        let (script, source, real) = try Self.replyQueued()
        let cluster = try #require(script.runner.cluster)
        let third = NodeID(1 - source)  // the node that is neither source nor target
        let blocks = Int(real.lengthBytes / 4096)
        let one: [UInt64] = [1] + Array(repeating: 0, count: (blocks + 63) / 64 - 1)
        var forged = real
        let expected: String
        var field = "outOfSyncToward"
        switch bad {
        case .wordInFailedReply:
            forged = ResyncReply(id: real.id, offsetBytes: real.offsetBytes, lengthBytes: real.lengthBytes, status: .failed,
                                 data: ByteBuffer(), outOfSyncToward: [PeerBlocks(node: third, words: one)])
            expected = "third-node words (outOfSyncToward) in a failed reply"
        case .target:
            forged.outOfSyncToward = [PeerBlocks(node: NodeID(2), words: one)]
            expected = "toward node 2: this node, the resync's target"
        case .source:
            forged.outOfSyncToward = [PeerBlocks(node: NodeID(source), words: one)]
            expected = "toward node \(source): the source itself"
        case .twice:
            forged.outOfSyncToward = [PeerBlocks(node: third, words: one), PeerBlocks(node: third, words: one)]
            expected = "naming node \(third) twice"
        case .wordCount:
            forged.outOfSyncToward = [PeerBlocks(node: third, words: one + [0])]
            expected = "toward node \(third) in \(one.count + 1) words, for a range of \(blocks) blocks (\(one.count) words)"
        case .bitPastRange:
            try #require(blocks % 64 != 0, "the range fills its last word: no bit lies past it")
            var words = one
            words[words.count - 1] |= UInt64(1) << (blocks % 64)
            forged.outOfSyncToward = [PeerBlocks(node: third, words: words)]
            expected = "toward node \(third) with bits past the range's \(blocks) blocks"
        case .crashOnlyTarget:
            forged.crashOnlyToward = [PeerBlocks(node: NodeID(2), words: one)]
            expected = "toward node 2: this node, the resync's target"
            field = "crashOnlyToward"
        case .crashOnlyWordCount:
            forged.crashOnlyToward = [PeerBlocks(node: third, words: one + [0])]
            expected = "toward node \(third) in \(one.count + 1) words, for a range of \(blocks) blocks (\(one.count) words)"
            field = "crashOnlyToward"
        }
        let before = Self.targetState(cluster)
        cluster.links[cluster.key(source, 2)]!.queues[2]![0] = .resyncReply(forged)
        cluster.logs = []
        #expect(cluster.deliver(from: source, to: 2))
        while !cluster.nodes[2].pending.isEmpty { cluster.completeStorage(2) }
        let refusal = "node \(source) (n\(source)) sent resync reply \(real.id)'s third-node words (\(field)) "
        #expect(cluster.logs.contains { $0.hasPrefix(refusal) && $0.contains(expected) && $0.hasSuffix("; dropping the connection") },
                "\(bad): \(cluster.logs)")
        #expect(Self.targetState(cluster) == before, "\(bad): n2 recorded or wrote something of the refused reply")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(bad):\n\(script.text)")
        #expect(script.run("data n2 off=8192") == ["n2 off=8192: pattern=2"], "\(bad):\n\(script.text)")
    }

    /// The real reply, untouched, is taken (the harness above reaches it, and the refusals are
    /// the forged words' own).
    @Test("the reply a source sends passes")
    func realReplyTaken() throws {
        let (script, source, _) = try Self.replyQueued()
        let cluster = try #require(script.runner.cluster)
        cluster.logs = []
        #expect(cluster.deliver(from: source, to: 2))
        #expect(!cluster.logs.contains { $0.contains("dropping the connection") }, "\(cluster.logs)")
        script.run("stabilize")
        #expect(script.run("data n2 off=8192") == ["n2 off=8192: pattern=2"], "\(script.text)")
    }
}
