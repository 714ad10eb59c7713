import Testing
@testable import ReplicationCore

/// The split-brain refusal names the generation both sides' changes count from. Where no bitmap
/// on this node tracks the peer (the comparison's common-history branch, two children of one
/// parent met with no bitmap between them), it named 0000000000000000, the bitmap slot's empty
/// generation, with "0 KiB" changed on both sides (review's reread of session 21).
@Suite("Replication core: the split-brain refusal's text")
struct SplitBrainTextTests {
    func handshake(_ node: UInt8, current: UInt64, bitmap: [(UInt8, UInt64)], history: [UInt64]) -> Handshake {
        Handshake(nodeID: NodeID(node), volume: 0, sizeBytes: 1 << 20, bitmapBlockBytes: 4096, role: .secondary,
                  disk: .upToDate,
                  generations: GenerationSet(current: Generation(current),
                                             bitmap: bitmap.map { PeerGeneration(nodeID: NodeID($0.0), generation: Generation($0.1)) },
                                             history: history.map(Generation.init)),
                  flags: [], outOfSyncBlocks: 0, hasQuorum: true, replicationProtocol: .c)
    }

    func text(mine: Handshake, peer: Handshake) -> String {
        ReplicaInstance.splitBrainText(name: "node 1 (n1)", resource: "r0", mine: mine, peer: peer,
                                       mineChanged: "4 KiB", peerChanged: "8 KiB")
    }

    @Test("with a bitmap toward the peer it names the bitmap's generation and the changed amounts")
    func tracked() {
        let mine = handshake(0, current: 0x30, bitmap: [(1, 0x10)], history: [0x10])
        let peer = handshake(1, current: 0x20, bitmap: [(0, 0x10)], history: [0x10])
        let said = text(mine: mine, peer: peer)
        #expect(said.hasPrefix("split brain detected with node 1 (n1): both nodes wrote independently since generation \(Generation(0x10)) (this node changed 4 KiB, node 1 (n1) changed 8 KiB); nothing was merged."), "\(said)")
    }

    @Test("without a bitmap toward the peer it names the newest generation both hold, not the empty slot's")
    func untracked() {
        // Two children of 0x10 (its parent 0x08 older still), no bitmap slot toward each other.
        let mine = handshake(0, current: 0x30, bitmap: [(1, 0)], history: [0x10, 0x08])
        let peer = handshake(1, current: 0x20, bitmap: [(0, 0)], history: [0x10, 0x08])
        let said = text(mine: mine, peer: peer)
        #expect(said.hasPrefix("split brain detected with node 1 (n1): both nodes wrote independently since generation \(Generation(0x10)), the newest both hold; no bitmap on this node tracks node 1 (n1) since then"), "\(said)")
        #expect(said.contains("gets a full resync"), "\(said)")
        #expect(!said.contains("\(Generation.none)") && !said.contains("changed 4 KiB"), "\(said)")
    }
}
