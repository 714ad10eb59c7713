@testable import Engine
import Glibc
import NIOCore
import ReplicationCore
import ScratchFolders
import Testing

@Suite("Metadata sidecar file", .removesScratchFolders)
struct MetadataFileTests {
    static func config() -> ReplicaConfig {
        var config = ReplicaConfig(resourceName: "r", volume: 0, nodeID: NodeID(1), nodeName: "beta",
                                   peers: [ReplicationCore.PeerConfig(nodeID: NodeID(0), name: "alpha"),
                                           ReplicationCore.PeerConfig(nodeID: NodeID(2), name: "gamma")],
                                   sizeBytes: 256 << 20)
        config.activityLogExtentsMax = 64
        return config
    }

    static func sample() -> PersistedMetadata {
        var m = PersistedMetadata.create(for: config(), thin: true)
        m.header.generations = GenerationSet(current: Generation(0xABCD), bitmap: [PeerGeneration(nodeID: NodeID(0), generation: Generation(7))],
                                             history: [Generation(5), Generation(3)])
        m.header.activityLog = [0, 3, 15]
        m.header.flags.insert(.attached)
        m.header.disk = .upToDate
        m.header.supersededGenerations = [Generation(0x5A00), Generation(0x7700)]
        m.header.flags.insert(.crashedPrimary)
        m.header.crashedPrimarySettledPeers = [NodeID(2)]
        m.header.crashMarkedExtents = [3, 15]
        m.header.crashMarkDigest = 0x0123_4567_89AB_CDEF
        m.bitmaps[0].words[0] = .max
        m.bitmaps[1].words[m.bitmaps[1].words.count - 1] = 0x8000_0000_0000_0001
        return m
    }

    static func layout(_ m: PersistedMetadata) -> MetadataFileLayout { .fitting(m, activityLogExtentsMax: 64) }

    /// Where a test's metadata file goes: a fresh folder, removed when the test ends.
    static func metadataPath() throws -> String {
        try ScratchFolder.make("tandem-metadata-test-") + "/0.md"
    }

    static func fileBytes(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
        }
    }

    static func writeBytes(_ bytes: [UInt8], to path: String) {
        let file = fopen(path, "wb")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress!, 1, bytes.count, file) }
        fclose(file)
    }

    @Test("a file roundtrips exactly, with its layout and slot sequence")
    func roundtrip() throws {
        let m = Self.sample()
        let loaded = try MetadataFile.decode(MetadataFile.encode(m, layout: Self.layout(m), sequence: 7), path: "x.md")
        #expect(loaded.metadata == m)
        #expect(loaded.layout == Self.layout(m))
        #expect(loaded.sequence == 7)
        #expect(try MetadataFile.decode(MetadataFileV1.encode(m), path: "x.md").metadata == m)
    }

    @Test("a flipped byte in the superblock or the only slot, truncation or a foreign file is refused with the path named")
    func corruption() {
        let m = Self.sample()
        let layout = Self.layout(m)
        let bytes = MetadataFile.encode(m, layout: layout, sequence: 4)
        var cases: [[UInt8]] = [[], Array(bytes.prefix(20)), Array(bytes.dropLast()), bytes + [0], Array("not metadata at all".utf8)]
        // Slot 0 holds sequence 4; slot 1 is empty. Header fields lie in the superblock's first
        // bytes and in slot 0.
        let slot0 = layout.slotOffset(sequence: 4)
        for position in Array(0..<40) + Array(stride(from: slot0, to: slot0 + 200, by: 3)) {
            var flipped = bytes
            flipped[position] ^= 0x40
            cases.append(flipped)
        }
        var unknownVersion = bytes
        unknownVersion[11] = 9
        cases.append(unknownVersion)
        for bad in cases {
            do {
                _ = try MetadataFile.decode(bad, path: "/state/metadata/r/0.md")
                Issue.record("accepted a corrupt record of \(bad.count) bytes")
            } catch {
                #expect(error.description.hasPrefix("/state/metadata/r/0.md: corrupt metadata"))
            }
        }
        #expect(throws: EngineError.self) { try MetadataFile.decode(unknownVersion, path: "p") }
        do { _ = try MetadataFile.decode(unknownVersion, path: "p") } catch {
            #expect(error.description.contains("file version 9; this engine reads versions 1 and 2"))
        }
    }

    @Test("a file in the old format (version 1) is read, and its first update replaces it with the current format")
    func oldFormat() async throws {
        let path = try Self.metadataPath()
        let m = Self.sample()
        Self.writeBytes(MetadataFileV1.encode(m), to: path)
        let loaded = try #require(try MetadataFile.load(path))
        #expect(loaded.metadata == m)
        #expect(loaded.layout == nil)
        var writer = MetadataFileWriter(path: path, activityLogExtentsMax: 64, loaded: loaded)
        var update = MetadataUpdate(header: m.header, bitmapWords: [])
        update.header.activityLog = [0, 1, 3, 15]
        let next = m.applying(update)
        let write = writer.write(next, for: update)
        guard case .replace = write else { Issue.record("an old-format file was updated in place"); return }
        #expect(await writer.run(write) == .done)
        let reread = try #require(try MetadataFile.load(path))
        #expect(reread.metadata == next)
        #expect(reread.layout != nil)
        // A corrupt old-format file is refused as before.
        var bad = MetadataFileV1.encode(m)
        bad[40] ^= 1
        #expect(throws: EngineError.self) { try MetadataFile.decode(bad, path: path) }
    }

    /// `sample()` as an engine before header format 2 wrote it: no superseded generations.
    static func formatOneSample() -> PersistedMetadata {
        var m = sample()
        m.header.formatVersion = 1
        m.header.supersededGenerations = []
        m.header.crashedPrimarySettledPeers = []
        m.header.crashMarkedExtents = []
        m.header.crashMarkDigest = 0
        return m
    }

    @Test("a format-2 header (before the settled peers) reads as settled toward nobody, and the next write carries them")
    func formatTwoHeader() throws {
        var old = Self.sample()
        old.header.formatVersion = 2
        old.header.crashedPrimarySettledPeers = []
        old.header.crashMarkedExtents = []
        old.header.crashMarkDigest = 0
        var expected = old
        expected.header.formatVersion = MetadataHeader.currentFormatVersion
        #expect(try MetadataFile.decode(MetadataFile.encode(old, layout: Self.layout(old), sequence: 3), path: "x.md").metadata == expected)
        expected.header.crashedPrimarySettledPeers = [NodeID(0), NodeID(2)]
        #expect(try MetadataFile.decode(MetadataFile.encode(expected, layout: Self.layout(expected), sequence: 4), path: "x.md").metadata == expected)
    }

    @Test("a format-3 file (before the crash-marked extents) opens with none, and its next update carries them")
    func formatThreeHeader() async throws {
        var old = Self.sample()
        old.header.formatVersion = 3
        old.header.crashMarkedExtents = []
        old.header.crashMarkDigest = 0
        var expected = old
        expected.header.formatVersion = MetadataHeader.currentFormatVersion
        #expect(try MetadataFile.decode(MetadataFile.encode(old, layout: Self.layout(old), sequence: 3), path: "x.md").metadata == expected)
        // On disk: a file an engine of format 3 wrote is loaded, validated (the core takes it in
        // the current format) and updated; the update carries the list and its digest.
        let path = try Self.metadataPath()
        Self.writeBytes(MetadataFile.encode(old, layout: Self.layout(old), sequence: 3), to: path)
        let loaded = try #require(try MetadataFile.load(path))
        #expect(loaded.metadata == expected)
        #expect(throws: Never.self) { try loaded.metadata.validate(against: Self.config()) }
        var writer = MetadataFileWriter(path: path, activityLogExtentsMax: 64, loaded: loaded)
        var update = MetadataUpdate(header: loaded.metadata.header, bitmapWords: [PeerBitmapWords(peer: NodeID(0), firstWord: 0, words: [0xF0])])
        update.header.crashMarkedExtents = [0, 3, 15]
        update.header.crashMarkDigest = 0xFEDC_BA98_7654_3210
        let next = loaded.metadata.applying(update)
        #expect(await writer.run(writer.write(next, for: update)) == .done)
        let reread = try #require(try MetadataFile.load(path))
        #expect(reread.metadata == next)
        #expect(reread.metadata.header.formatVersion == 4 && reread.metadata.header.crashMarkedExtents == [0, 3, 15])
        #expect(reread.metadata.header.crashMarkDigest == 0xFEDC_BA98_7654_3210)
        // As many crash-marked extents as al-extents fit the layout's slots beside a full activity log.
        var full = next
        full.header.activityLog = Array(0 ..< 64)
        full.header.crashMarkedExtents = Array(0 ..< 64)
        #expect(Self.layout(next).holds(full))
        #expect(throws: Never.self) { try full.validate(against: Self.config()) }
        full.header.crashMarkedExtents.append(64)
        #expect(throws: MetadataError.self) { try full.validate(against: Self.config()) }
        full.header.crashMarkedExtents = [UInt32(Self.config().sizeBytes / Self.config().activityLogExtentBytes)]
        #expect(throws: MetadataError.self) { try full.validate(against: Self.config()) }
    }

    /// A format-4 header cut inside its crash-marked extents or their digest, or whose list
    /// count runs past the slot, in a slot whose checksum is intact (as a bug in a writer would
    /// leave it): refused, naming the file, never read as a shorter list.
    @Test("a format-4 header cut short in its crash-marked extents or digest is refused with the path named")
    func truncatedFormatFourHeader() throws {
        let m = Self.sample()
        let layout = Self.layout(m)
        var payload = ByteBuffer()
        MetadataFile.encodeHeader(m.header, into: &payload)
        let header = Array(payload.readableBytesView)
        // The header ends: count u32 (2) · extents 3, 15 · digest u64.
        let listStart = header.count - 8 - 8 - 4
        #expect(Array(header[listStart ..< listStart + 4]) == [0, 0, 0, 2])
        var cuts: [[UInt8]] = (1 ... 16).map { Array(header.dropLast($0)) }
        var overlong = header
        overlong[listStart + 3] = 9
        cuts.append(overlong)
        for bad in cuts {
            var slot = ByteBuffer()
            slot.writeInteger(UInt64(5))
            slot.writeInteger(UInt32(bad.count))
            slot.writeBytes(bad)
            slot.writeRepeatingByte(0, count: layout.slotBytes - 8 - slot.readableBytes)
            slot.writeInteger(MetadataFile.checksum(slot.readableBytesView))
            var bytes = MetadataFile.encode(m, layout: layout, sequence: 4)
            let offset = layout.slotOffset(sequence: 5)
            bytes.replaceSubrange(offset ..< offset + layout.slotBytes, with: Array(slot.readableBytesView))
            do {
                let loaded = try MetadataFile.decode(bytes, path: "/state/metadata/r/0.md")
                Issue.record("read a cut format-4 header of \(bad.count) bytes as \(loaded.metadata.header.crashMarkedExtents)")
            } catch {
                #expect(error.description.hasPrefix("/state/metadata/r/0.md: corrupt metadata"), "\(error)")
            }
        }
    }

    @Test("a format-1 header (before superseded generations) is read from either file version and upgraded by the next update")
    func formatOneHeader() async throws {
        let old = Self.formatOneSample()
        var expected = old
        expected.header.formatVersion = MetadataHeader.currentFormatVersion
        let fromSlots = try MetadataFile.decode(MetadataFile.encode(old, layout: Self.layout(old), sequence: 3), path: "x.md")
        #expect(fromSlots.metadata == expected)
        #expect(try MetadataFile.decode(MetadataFileV1.encode(old), path: "x.md").metadata == expected)
        // The core takes it as is (`validate` wants the current format), and the next update
        // of the file carries the list.
        #expect(throws: Never.self) { try expected.validate(against: Self.config()) }
        let path = try Self.metadataPath()
        Self.writeBytes(MetadataFile.encode(old, layout: Self.layout(old), sequence: 3), to: path)
        let loaded = try #require(try MetadataFile.load(path))
        var writer = MetadataFileWriter(path: path, activityLogExtentsMax: 64, loaded: loaded)
        var update = MetadataUpdate(header: loaded.metadata.header, bitmapWords: [])
        update.header.supersededGenerations = [Generation(0x5A00)]
        let next = loaded.metadata.applying(update)
        #expect(await writer.run(writer.write(next, for: update)) == .done)
        let reread = try #require(try MetadataFile.load(path))
        #expect(reread.metadata == next)
        #expect(reread.metadata.header.supersededGenerations == [Generation(0x5A00)])
    }

    @Test("an intact slot holding a header format this engine does not know refuses the file, naming the format")
    func unknownHeaderFormat() throws {
        let m = Self.sample()
        let layout = Self.layout(m)
        // Slot 1 holds the newer header (sequence 5), slot 0 an older one (sequence 4) that
        // this engine could read: using it would bring the volume up with stale generations.
        var bytes = MetadataFile.encode(m, layout: layout, sequence: 4)
        let newer = layout.slotOffset(sequence: 5)
        bytes.replaceSubrange(newer ..< newer + layout.slotBytes, with: MetadataFile.encodeSlot(m.header, sequence: 5, slotBytes: layout.slotBytes))
        #expect(try MetadataFile.decode(bytes, path: "p").sequence == 5)
        // The header format after this engine's in the newer slot, its checksum made intact again.
        let unknown = MetadataHeader.currentFormatVersion + 1
        bytes[newer + 12 + 3] = UInt8(unknown)
        let end = newer + layout.slotBytes
        let sum = MetadataFile.checksum(bytes[newer ..< end - 8])
        for k in 0..<8 { bytes[end - 8 + k] = UInt8(truncatingIfNeeded: sum >> (56 - 8 * UInt64(k))) }
        do {
            _ = try MetadataFile.decode(bytes, path: "/state/metadata/r/0.md")
            Issue.record("read a file whose newest header is in an unknown format")
        } catch {
            #expect(error.description.hasPrefix("/state/metadata/r/0.md: corrupt metadata"))
            #expect(error.description.contains("header format version \(unknown); this engine reads versions 1 to \(unknown - 1)"), "\(error)")
        }
    }

    @Test("updates write the changed bitmap pages and the next slot in place; load sees the latest")
    func transactions() async throws {
        let path = try Self.metadataPath()
        #expect(try MetadataFile.load(path) == nil)
        var current = Self.sample()
        var writer = MetadataFileWriter(path: path, activityLogExtentsMax: 64)
        #expect(await writer.run(writer.replace(with: current)) == .done)
        #expect(access(path + ".tmp", F_OK) != 0)
        let layout = try #require(writer.layout)
        let before = Self.fileBytes(path)
        #expect(before.count == layout.fileBytes)

        // An activity-log change alone: one slot written, nothing else in the file changes.
        var update = MetadataUpdate(header: current.header, bitmapWords: [])
        update.header.activityLog = [0, 3, 9, 15]
        current = current.applying(update)
        let write = writer.write(current, for: update)
        guard case .transaction(let pages, let slotOffset, let slot) = write else { Issue.record("not in place"); return }
        #expect(pages.isEmpty)
        #expect(slot.count == layout.slotBytes)
        #expect(await writer.run(write) == .done)
        let after = Self.fileBytes(path)
        #expect(after.count == before.count)
        let changed = after.indices.filter { after[$0] != before[$0] }
        #expect(!changed.isEmpty && changed.allSatisfy { $0 >= slotOffset && $0 < slotOffset + layout.slotBytes })
        #expect(try MetadataFile.load(path)?.metadata == current)

        // Bitmap words of both peers and a header change.
        update = MetadataUpdate(header: current.header, bitmapWords: [
            PeerBitmapWords(peer: NodeID(0), firstWord: 700, words: [0xF0, 0x0F]),
            PeerBitmapWords(peer: NodeID(2), firstWord: 0, words: [1])])
        update.header.generations.current = Generation(0x1234_5678)
        current = current.applying(update)
        let write2 = writer.write(current, for: update)
        guard case .transaction(let pages2, _, _) = write2 else { Issue.record("not in place"); return }
        #expect(pages2.map(\.offset) == [layout.bitmapPageOffset(peerIndex: 0, page: 1), layout.bitmapPageOffset(peerIndex: 1, page: 0)])
        #expect(await writer.run(write2) == .done)
        let loaded = try #require(try MetadataFile.load(path))
        #expect(loaded.metadata == current)
        #expect(loaded.sequence == writer.sequence)

        // A torn slot (a crash while writing it) leaves the previous header in force.
        var torn = Self.fileBytes(path)
        let newest = layout.slotOffset(sequence: writer.sequence)
        torn[newest + 30] ^= 0xFF
        Self.writeBytes(torn, to: path)
        let recovered = try #require(try MetadataFile.load(path))
        #expect(recovered.sequence == writer.sequence - 1)
        #expect(recovered.metadata.header.activityLog == [0, 3, 9, 15])
    }

    @Test("a change the layout cannot hold (a peer slot added) replaces the file with a layout that fits")
    func layoutChange() async throws {
        let path = try Self.metadataPath()
        let m = Self.sample()
        var writer = MetadataFileWriter(path: path, activityLogExtentsMax: 64)
        #expect(await writer.run(writer.replace(with: m)) == .done)
        var update = MetadataUpdate(header: m.header, bitmapWords: [])
        update.header.bitmapPeers = [NodeID(0), NodeID(2), NodeID(3)]
        let next = m.applying(update)
        guard case .replace = writer.write(next, for: update) else { Issue.record("a new peer slot was written in place"); return }
        #expect(await writer.run(writer.replace(with: next)) == .done)
        let loaded = try #require(try MetadataFile.load(path))
        #expect(loaded.metadata == next)
        #expect(loaded.layout?.bitmapPeers == [NodeID(0), NodeID(2), NodeID(3)])
        // An activity log larger than the slot was sized for (al-extents raised) also replaces it.
        writer.activityLogExtentsMax = 4096
        var big = MetadataUpdate(header: next.header, bitmapWords: [])
        big.header.activityLog = (0..<16).map(UInt32.init)
        #expect(writer.layout?.holds(next.applying(big)) == true)
        big.header.activityLog = (0..<2000).map(UInt32.init)
        guard case .replace(_, let fresh, _) = writer.write(next.applying(big), for: big) else { Issue.record("outgrew the slot in place"); return }
        #expect(fresh.holds(next.applying(big)))
    }
}
