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
            script.primaryWroteBlockZero("cluster nodes=2 size=64K")
            script.run("admin n0 secondary")
            script.run("stabilize")
            script.run("crash n1")
            script.run("crash n0")
            guard let cluster = script.runner.cluster, var metadata = cluster.nodes[0].metadata else {
                Issue.record("no cluster"); return
            }
            metadata.header.flags.remove(.attached)
            metadata.header.crashMarkedExtents = [CrashMarkedExtent(extent: 0, peers: [NodeID(1)])]
            metadata.header.crashMarkDigest = Self.fnv1a(word: 0b1110)
            metadata.bitmaps[0].words[0] = torn ? 0b1111 : 0b1110
            cluster.nodes[0].metadata = metadata
            script.run("restart n0")
            script.run("stabilize")
            let header = script.run("metadata n0").first ?? ""
            #expect(header.contains("crash-marked=[0:n1]") == !torn, "torn=\(torn): \(header)\n\(script.text)")
        }
    }

    /// FNV-1a 64 over one bitmap word's 8 bytes, low byte first (`OutOfSyncBitmap.digest`).
    static func fnv1a(word: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in 0 ..< 8 { hash = (hash ^ (word >> (8 * UInt64(k)) & 0xFF)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// A write n1 missed into a block n0's crash had marked makes the bit a missed write's, in
    /// memory at once (the next header no longer lists the extent toward n1), without rewriting
    /// the unchanged word: one more header per such bit (session 21's format 4) turned the fixed
    /// seeds 3, 7 and 29 into runs that acknowledged nothing. Until that header, a crash brings
    /// the bit back as the crash's, as it would a bit not yet written (`forgetCrashOnly`).
    @Test("a crash-only bit set again is a missed write's, and its unchanged word is not rewritten for it")
    func setAgainIsNotRewritten() {
        var bitmap = OutOfSyncBitmap(blockCount: 16, blockBytes: 4096)
        bitmap.setByCrash(0 ..< 4)
        _ = bitmap.takeDirtyWords(peer: NodeID(1))
        #expect(bitmap.dirtyCount == 0 && !bitmap.dirtyHasSetBits)
        bitmap.set(2 ..< 3)
        #expect(bitmap.dirtyCount == 0 && !bitmap.dirtyHasSetBits)
        #expect(bitmap.crashMarks(in: 0 ..< 4) == (crashOnly: true, ordinary: true))
        #expect(bitmap.crashOnlyCount == 3)
    }

    /// A writer's out-of-sync report (`onOutOfSync`) may name a write older than every extent
    /// of the receiver's activity log, whose crash would then not mark the block again: a bit the
    /// receiver's crash had set there, set again by the report, changes no word, and the header
    /// still listing the extent toward that node would bring it back as the crash's. The report
    /// asks for the header at once. Here n1, back from a crash with its 16K extents crash-marked toward
    /// n0 and n2 (n0 cut off, its own messages to n2 held), is told by n2 that n0 lacks block 2.
    /// Mutation: without the request the header stays clean and keeps listing n0.
    @Test("a writer's out-of-sync report over a crash-only bit asks for the header at once")
    func outOfSyncReportAsksForTheHeader() throws {
        let script = RecordedScript()
        for line in ["cluster nodes=3 size=64K quorum=majority protocol=A", "connect-all", "stabilize",
                     "admin n2 primary force", "stabilize", "write n2 off=0 len=65536 pattern=1", "stabilize",
                     "crash n1", "stabilize", "partition n0 n1", "restart n1", "stabilize hold-link=n1-n2"] {
            script.run(line)
        }
        #expect(script.run("metadata n1").first?.hasSuffix("crash-marked=[0:n0,n2 1:n0,n2 2:n0,n2 3:n0,n2]") == true, "\(script.text)")
        let cluster = try #require(script.runner.cluster)
        #expect(try #require(cluster.nodes[1].instance).metadataClean, "\(script.text)")
        cluster.step(1, .message(.outOfSync(OutOfSyncRange(offsetBytes: 8192, lengthBytes: 4096, node: NodeID(0))), from: NodeID(2)))
        script.trace.append("(n2's report that n0 lacks block 2, delivered to n1)")
        #expect(try #require(cluster.nodes[1].instance).metadataClean == false, "the report asked for no header:\n\(script.text)")
        script.run("stabilize hold-link=n1-n2")
        #expect(script.run("metadata n1").first?.hasSuffix("crash-marked=[0:n2 1:n0,n2 2:n0,n2 3:n0,n2]") == true, "\(script.text)")
    }

    @Test("a bitmap tells an extent's crash-only bits from a missed write's, and an attach adopts the listed ones")
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
