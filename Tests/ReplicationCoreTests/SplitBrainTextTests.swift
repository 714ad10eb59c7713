import Testing
@testable import ReplicationCore

/// The split-brain refusal names the generation both sides' changes count from, by the rule that
/// found the split brain. Where no bitmap on this node tracks the peer (the comparison's
/// common-history branch, two children of one parent met with no bitmap between them), it named
/// 0000000000000000, the bitmap slot's empty generation, with "0 KiB" changed on both sides
/// (review's reread of session 21). Where this node's slot tracked the peer from a generation the
/// peer never held (common history too), it named that slot as the two sides' parent (session
/// 22's reread: the text picked its branch on the slot, not on the rule).
@Suite("Replication core: the split-brain refusal's text")
struct SplitBrainTextTests {
    func text(mine: Handshake, peer: Handshake) -> String {
        let rule = GenerationComparison.compare(mine: mine, peer: peer).rule
        return ReplicaInstance.splitBrainText(name: "node 1 (n1)", resource: "r0", rule: rule, mine: mine, peer: peer,
                                              mineChanged: "4 KiB", peerChanged: "8 KiB")
    }

    @Test("with a bitmap toward the peer it names the bitmap's generation and the changed amounts")
    func tracked() {
        let mine = Handshake.of(0, current: 0x30, bitmap: [(1, 0x10)], history: [0x10])
        let peer = Handshake.of(1, current: 0x20, bitmap: [(0, 0x10)], history: [0x10])
        let said = text(mine: mine, peer: peer)
        #expect(said.hasPrefix("split brain detected with node 1 (n1): both nodes wrote independently since generation \(Generation(0x10)) (this node changed 4 KiB, node 1 (n1) changed 8 KiB); nothing was merged."), "\(said)")
    }

    @Test("without a bitmap toward the peer it names the newest generation both hold, not the empty slot's")
    func untracked() {
        // Two children of 0x10 (its parent 0x08 older still), no bitmap slot toward each other.
        let mine = Handshake.of(0, current: 0x30, bitmap: [(1, 0)], history: [0x10, 0x08])
        let peer = Handshake.of(1, current: 0x20, bitmap: [(0, 0)], history: [0x10, 0x08])
        let said = text(mine: mine, peer: peer)
        #expect(said.hasPrefix("split brain detected with node 1 (n1): both nodes wrote independently since generation \(Generation(0x10)), the newest both hold; no bitmap counts both sides' changes since then"), "\(said)")
        #expect(said.contains("gets a full resync"), "\(said)")
        #expect(!said.contains("\(Generation.none)") && !said.contains("changed 4 KiB"), "\(said)")
    }

    @Test("a same-parent split brain with an Inconsistent side says the discard resyncs in full")
    func trackedInconsistent() {
        var mine = Handshake.of(0, current: 0x30, bitmap: [(1, 0x10)], history: [0x10])
        mine.flags.insert(.inconsistent)
        let peer = Handshake.of(1, current: 0x20, bitmap: [(0, 0x10)], history: [0x10])
        let said = text(mine: mine, peer: peer)
        #expect(said.hasPrefix("split brain detected with node 1 (n1): both nodes wrote independently since generation \(Generation(0x10)) (this node changed 4 KiB, node 1 (n1) changed 8 KiB); one side is Inconsistent, holding blocks no bitmap between the two marks, so the side whose changes are thrown away gets a full resync; nothing was merged."), "\(said)")
    }

    @Test("at common history a slot that tracks the peer from a generation it never held is not named as the parent")
    func slotPastCommonHistory() {
        // This node tracks n1 since its own 0x30; n1 tracks it since 0x10: no common parent.
        let mine = Handshake.of(0, current: 0x30, bitmap: [(1, 0x30)], history: [0x10, 0x08])
        let peer = Handshake.of(1, current: 0x20, bitmap: [(0, 0x10)], history: [0x10, 0x08])
        let said = text(mine: mine, peer: peer)
        #expect(said.hasPrefix("split brain detected with node 1 (n1): both nodes wrote independently since generation \(Generation(0x10)), the newest both hold;"), "\(said)")
        #expect(!said.contains("\(Generation(0x30))") && !said.contains("changed 4 KiB"), "\(said)")
    }
}
