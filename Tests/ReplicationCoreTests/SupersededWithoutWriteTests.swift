import Testing
@testable import ReplicationCore

/// Simulation seeds 781 and 1482 (protocol C; no write acknowledged since protocol 23). A replica
/// behind (Outdated, Inconsistent) notes the generation a writer's announcement moves past as
/// superseded and refuses its vote to any replica still there (`knowsNewerGeneration`), its own
/// promotion too. The note never expired: when the writer forgot its new generation or died with
/// it before any write of it arrived, every replica came back to the old generation and the
/// note refused them all, for good (1482: n0 crashed before its header held 0DB9 and came back at
/// 8E3B; n1 refused n0 and n2 from then on and its own promotion; 781: the diskless Primary n3
/// announced 9D2C, lost quorum and crashed; n2 refused every replica at ED21).
///
/// Fixed: a note new from a protocol C writer's announcement stays provisional until a write
/// arrives; the writer's connection ending first drops it (`expireSupersededAwaitingWrite`).
/// No write answered, this node was in no quorum of a write of the new generation.
///
/// The cast: four nodes, protocol C. n0 Primary at G0 (block 0 written everywhere); n2 crashes,
/// n1 and n3 are partitioned from each other and go Outdated (each reaches only n0), n0 is
/// promoted again with their votes; its next write starts G1 (n2 absent) and announces it to n1
/// and n3, which note G0 superseded. Held: the write, queued behind the announcement on each link,
/// does not arrive before n0 crashes (back at G1, its header landed). Until session 24 the cast
/// held n0's header instead (1482's history: announced, then crashed back at G0); a writer now
/// announces a generation only once its header holds it (`sendDurableAnnouncements`), so a note
/// outlives only a writer that crashed or was cut off after that header, as here and in 781.
@Suite("Replication core: a superseded note whose writer left before any write")
struct SupersededWithoutWriteTests {
    /// Up to n0's crash with G1 announced; `sendWrite`: the write reaches n1 and n3 before the
    /// crash.
    static func setUp(_ script: RecordedScript, protocol p: String, sendWrite: Bool) {
        script.outdatedVotersPromoteN0("cluster nodes=4 size=64K quorum=majority protocol=\(p)")
        script.run("write n0 off=4096 len=4096 pattern=2")
        if sendWrite {
            script.run("stabilize")
        } else {
            // The header holding G1 lands (the announcement and the write go out), then n0's own
            // copy of the write; only the announcement is delivered.
            script.run("complete n0")
            script.run("complete n0")
            script.run("deliver n0 n1")
            script.run("deliver n0 n3")
        }
        script.run("crash n0")
        script.run("stabilize")
    }

    /// n0 back at G0, everything healed: n0 asks to be promoted.
    static func healAndPromote(_ script: RecordedScript) -> (output: [String], promoted: Bool) {
        script.run("restart n0")
        script.run("heal")
        script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        return script.promote(0)
    }

    @Test("a note taken from an announcement expires when the writer leaves before any write arrives")
    func expiresWithoutWrite() {
        let script = RecordedScript()
        Self.setUp(script, protocol: "C", sendWrite: false)
        #expect(script.result(2) != true, "c2 is not acknowledged:\n\(script.text)")
        // The expiry's log names the writer whose connection ended, and the generation.
        for n in [1, 3] {
            #expect(script.trace.contains { $0.hasPrefix("  n\(n): info: node 0 (n0) announced a new generation past ")
                && $0.hasSuffix(": n\(n) no longer refuses a replica at \(Self.g0(script))") },
                "n\(n) logs the expiry, naming n0:\n\(script.text)")
        }
        script.run("restart n2")
        script.run("stabilize")
        #expect(Self.refusals(script, of: 2, by: [1, 3]) == [false, false], "n1 and n3 no longer refuse n2 at G0:\n\(script.text)")
        let (promotion, promoted) = Self.healAndPromote(script)
        #expect(promoted, "n0, back at G0 with every replica, is promoted:\n\(promotion)\n\(script.text)")
        script.run("write n0 off=8192 len=4096 pattern=3")
        script.run("stabilize")
        #expect(script.result(3) == true, "n0's write is acknowledged:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2,n3 identical"], "\(script.text)")
    }

    @Test("a note stands once a write of the new generation arrived")
    func standsAfterWrite() {
        let script = RecordedScript()
        Self.setUp(script, protocol: "C", sendWrite: true)
        #expect(script.result(2) == true, "c2 is acknowledged in G1:\n\(script.text)")
        // n2 comes back at G0 while n0 (G1, c2) is down: n1 and n3, whose copies of c2 made it
        // acknowledged, refuse it.
        script.run("restart n2")
        script.run("stabilize")
        #expect(Self.refusals(script, of: 2, by: [1, 3]) == [true, true], "n1 and n3 refuse n2 at G0:\n\(script.text)")
    }

    /// G0: n2's generation (it crashed there).
    static func g0(_ script: RecordedScript) -> String {
        script.runner.cluster?.nodes[2].metadata.map { "\($0.header.generations.current)" } ?? "?"
    }

    /// Whether each voter refuses requester `n` at its current generation.
    static func refusals(_ script: RecordedScript, of n: Int, by voters: [Int]) -> [Bool?] {
        guard let cluster = script.runner.cluster, let data = cluster.nodes[n].instance?.generations.current else { return [] }
        return voters.map { voter in
            guard let instance = cluster.nodes[voter].instance, let i = instance.peerIndex(NodeID(UInt8(n))) else { return nil }
            return instance.knowsNewerGeneration(than: i, data: data)
        }
    }

    @Test("with protocol A the note stands: the writer counted its copy when it sent it")
    func protocolAKeepsNote() {
        let script = RecordedScript()
        Self.setUp(script, protocol: "A", sendWrite: false)
        #expect(script.result(2) == true, "c2 is acknowledged on n0's disk and its sent copies:\n\(script.text)")
        script.run("restart n2")
        script.run("stabilize")
        #expect(Self.refusals(script, of: 2, by: [1, 3]) == [true, true], "n1 and n3 refuse n2 at G0:\n\(script.text)")
    }
}
