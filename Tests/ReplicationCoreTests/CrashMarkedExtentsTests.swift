import Testing
@testable import ReplicationCore

/// The header's crash-marked extents (format 4, `MetadataHeader.crashMarkedExtents`): which
/// extents it lists, and the order in which a bit that ends a listing reaches the disk.
@Suite("Replication core: crash-marked extents in the metadata header")
struct CrashMarkedExtentsTests {
    /// n0 alone, back from a crash whose extent 0 (blocks 0…3) is still crash-marked toward n1
    /// except block 0, which a resync had already cleared. A write to block 0 while n1 is away
    /// sets a new bit there: a write n1 missed, so extent 0 is no longer listed. An update
    /// writes its bitmap pages before its header; with the two in one update a crash between
    /// them would read block 0's new bit under the old list and count it as the crash's. So a
    /// header that only drops extent 0 goes first, and the bit follows. Mutation: without that
    /// first header the one update carries both, and this test fails.
    @Test("a bit that ends an extent's listing reaches the disk only after a header without it")
    func narrowedHeaderFirst() {
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
        // What a crash of n0 leaves after a resync toward n1 cleared block 0 of its crash's extent.
        metadata.header.flags.remove(.attached)
        metadata.header.crashMarkedExtents = [0]
        metadata.bitmaps[0].words[0] = 0b1110
        cluster.nodes[0].metadata = metadata
        script.run("restart n0")
        script.run("stabilize")
        #expect(script.run("metadata n0").first?.contains("crash-marked=[0]") == true, "\(script.text)")
        script.run("admin n0 primary")
        script.run("stabilize")
        script.run("write n0 off=0 pattern=2")
        script.run("stabilize hold=n0")
        var updates: [MetadataUpdate] = []
        for _ in 0 ..< 20 {
            guard let k = cluster.nodes[0].pending.firstIndex(where: {
                if case .writeMetadata = $0 { return true } else { return false }
            }) else { break }
            if case .writeMetadata(_, let update) = cluster.nodes[0].pending[k] { updates.append(update) }
            cluster.completeStorage(0, index: k)
            script.run("stabilize hold=n0")
        }
        let first = updates.firstIndex { $0.header.crashMarkedExtents.isEmpty }
        let bit = updates.firstIndex { $0.bitmapWords.contains { $0.peer == NodeID(1) && $0.firstWord == 0 && $0.words.first == 0b1111 } }
        #expect(first != nil && bit != nil, "updates: \(updates.map { "crash-marked=\($0.header.crashMarkedExtents) words=\($0.bitmapWords.map(\.words))" })\n\(script.text)")
        if let first, let bit {
            #expect(first < bit && updates[first].bitmapWords.isEmpty,
                    "the list was dropped with the bit, not before it: \(updates.map { "crash-marked=\($0.header.crashMarkedExtents) words=\($0.bitmapWords.map(\.words))" })")
        }
        script.run("stabilize")
        #expect(script.run("metadata n0").first?.contains("crash-marked") == false, "\(script.text)")
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
