import Testing
@testable import ReplicationCore

/// The header's crash-marked extents (format 4, `MetadataHeader.crashMarkedExtents`): which
/// extents it lists, and when an attach takes them back (`MetadataHeader.crashMarkDigest`).
@Suite("Replication core: crash-marked extents in the metadata header")
struct CrashMarkedExtentsTests {
    /// n0 comes back from a clean stop (no crash of its own to mark) with a header listing
    /// extent 0 (the whole 64K volume, blocks 0…15) as crash-marked toward n1, blocks 1…3 set.
    /// Intact, the attach counts those bits as the crash's again and the next header lists the
    /// extent. Torn: block 0's bit is set on disk too, as the bitmap pages of an update that
    /// recorded a write n1 missed and was cut by a crash before its header (the pages go first):
    /// the old header's digest no longer matches, nothing is adopted, and block 0 is not taken
    /// for the crash's. Mutation: adopting without the digest check fails the torn case.
    @Test("the header's crash-marked extents are adopted only over the bits they were written with")
    func tornUpdateNotAdopted() {
        for torn in [false, true] {
            let script = RecordedScript()
            script.run("cluster nodes=2 size=64K")
            script.run("connect-all")
            script.run("stabilize")
            script.run("admin n0 primary force")
            script.run("stabilize")
            script.run("write n0 off=0 pattern=1")
            script.run("stabilize")
            script.run("admin n0 secondary")
            script.run("stabilize")
            script.run("crash n1")
            script.run("crash n0")
            guard let cluster = script.runner.cluster, var metadata = cluster.nodes[0].metadata else {
                Issue.record("no cluster"); return
            }
            metadata.header.flags.remove(.attached)
            metadata.header.crashMarkedExtents = [0]
            metadata.header.crashMarkDigest = Self.fnv1a(word: 0b1110)
            metadata.bitmaps[0].words[0] = torn ? 0b1111 : 0b1110
            cluster.nodes[0].metadata = metadata
            script.run("restart n0")
            script.run("stabilize")
            let header = script.run("metadata n0").first ?? ""
            #expect(header.contains("crash-marked=[0]") == !torn, "torn=\(torn): \(header)\n\(script.text)")
        }
    }

    /// FNV-1a 64 over one bitmap word's 8 bytes, low byte first (`OutOfSyncBitmap.digest`).
    static func fnv1a(word: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in 0 ..< 8 { hash = (hash ^ (word >> (8 * UInt64(k)) & 0xFF)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// A write n1 missed into a block n0's crash had marked leaves the word as it was, but not
    /// the extent's listing: the word is marked dirty like a new bit, so the next header (which
    /// no longer lists the extent) is written as soon as for one. Mutation: without it the
    /// header could keep listing the extent until some later write, and a crash meanwhile would
    /// bring that write's bit back as the crash's.
    @Test("a crash-only bit set again makes its word dirty, as a new bit does")
    func setAgainIsDirty() {
        var bitmap = OutOfSyncBitmap(blockCount: 16, blockBytes: 4096)
        bitmap.setByCrash(0 ..< 4)
        _ = bitmap.takeDirtyWords(peer: NodeID(1))
        #expect(bitmap.dirtyCount == 0 && !bitmap.dirtyHasSetBits)
        bitmap.set(2 ..< 3)
        #expect(bitmap.dirtyCount == 1 && bitmap.dirtyHasSetBits)
        #expect(bitmap.crashMarks(in: 0 ..< 4) == (crashOnly: true, ordinary: true))
        _ = bitmap.takeDirtyWords(peer: NodeID(1))
        bitmap.clear(1 ..< 2)
        #expect(bitmap.dirtyCount == 1 && !bitmap.dirtyHasSetBits, "a clear stays a clear")
    }

    @Test("an extent is listed while its set bits are a crash's toward every peer, and not once one records a missed write")
    func listedExtents() {
        var bitmap = OutOfSyncBitmap(blockCount: 16, blockBytes: 4096)
        bitmap.setByCrash(0 ..< 4)
        #expect(bitmap.crashMarks(in: 0 ..< 4) == (crashOnly: true, ordinary: false))
        bitmap.set(5 ..< 6)
        #expect(bitmap.crashMarks(in: 4 ..< 8) == (crashOnly: false, ordinary: true))
        bitmap.set(2 ..< 3)
        #expect(bitmap.crashMarks(in: 0 ..< 4) == (crashOnly: true, ordinary: true))
        // What an attach reads: bits on disk, extent 0 listed: its set bits count as the crash's.
        var read = OutOfSyncBitmap(blockCount: 16, blockBytes: 4096, words: [0b10_0000_1011])
        read.adoptCrashOnly(0 ..< 4)
        #expect(read.crashOnlyCount == 3 && read.crashMarks(in: 0 ..< 4) == (crashOnly: true, ordinary: false))
        #expect(read.crashMarks(in: 8 ..< 12) == (crashOnly: false, ordinary: true))
    }
}
