@testable import ReplicationCore
import Testing

/// Growing a volume's metadata (`vd set-size` → the engine restarts the volume at the new size).
@Suite struct MetadataGrowTests {
    static func config(_ size: UInt64) -> ReplicaConfig {
        ReplicaConfig(resourceName: "r", volume: 0, nodeID: NodeID(0), nodeName: "alpha",
                      peers: [PeerConfig(nodeID: NodeID(1), name: "beta"), PeerConfig(nodeID: NodeID(2), name: "gamma", disklessClient: true)],
                      sizeBytes: size)
    }

    @Test func growKeepsStateAndOldBitsAndAddsCleanBlocks() throws {
        let small = Self.config(100 * 4096)            // 100 blocks: a partial tail word
        var md = PersistedMetadata.create(for: small, thin: false)
        md.header.disk = .upToDate
        md.header.activityLog = [0]
        md.bitmaps[0].words[0] = 0b1011                 // blocks 0, 1, 3 out of sync toward beta
        md.bitmaps[0].words[1] = UInt64.max             // garbage past block 99 must not become bits
        let big = Self.config(300 * 4096)
        let grown = try md.grown(to: big)
        try grown.validate(against: big)
        #expect(grown.header.sizeBytes == 300 * 4096)
        #expect(grown.header.disk == .upToDate)
        #expect(grown.header.generations == md.header.generations)
        #expect(grown.header.activityLog == [0])
        #expect(grown.bitmaps.map(\.peer) == [NodeID(1)], "the diskless client still has no slot")
        #expect(grown.bitmaps[0].words.count == 5)
        #expect(grown.bitmaps[0].words[0] == 0b1011)
        #expect(grown.bitmaps[0].words[1] == (UInt64(1) << 36) - 1, "blocks 64…99 keep their bits, 100…127 are new and clean")
        #expect(grown.bitmaps[0].words[2...].allSatisfy { $0 == 0 })
        // The old metadata no longer fits the new configuration; the grown one does.
        #expect(throws: MetadataError.self) { try md.validate(against: big) }
    }

    @Test func shrinkingOrChangingTheBlockSizeIsRefused() {
        let md = PersistedMetadata.create(for: Self.config(64 << 20), thin: true)
        #expect(throws: MetadataError.self) { try md.grown(to: Self.config(32 << 20)) }
        #expect(throws: MetadataError.self) { try md.grown(to: Self.config(64 << 20)) }
        var other = Self.config(128 << 20)
        other.bitmapBlockBytes = 8192
        #expect(throws: MetadataError.self) { try md.grown(to: other) }
    }
}
