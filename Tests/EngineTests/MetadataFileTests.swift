@testable import Engine
import Glibc
import ReplicationCore
import Testing

@Suite("Metadata sidecar file")
struct MetadataFileTests {
    static func sample() -> PersistedMetadata {
        var config = ReplicaConfig(resourceName: "r", volume: 0, nodeID: NodeID(1), nodeName: "beta",
                                   peers: [ReplicationCore.PeerConfig(nodeID: NodeID(0), name: "alpha"),
                                           ReplicationCore.PeerConfig(nodeID: NodeID(2), name: "gamma")],
                                   sizeBytes: 64 << 20)
        config.activityLogExtentsMax = 64
        var m = PersistedMetadata.create(for: config, thin: true)
        m.header.generations = GenerationSet(current: Generation(0xABCD), bitmap: [PeerGeneration(nodeID: NodeID(0), generation: Generation(7))],
                                             history: [Generation(5), Generation(3)])
        m.header.activityLog = [0, 3, 15]
        m.header.flags.insert(.attached)
        m.header.disk = .upToDate
        m.bitmaps[0].words[0] = .max
        m.bitmaps[1].words[m.bitmaps[1].words.count - 1] = 0x8000_0000_0000_0001
        return m
    }

    @Test("a record roundtrips exactly")
    func roundtrip() throws {
        let m = Self.sample()
        #expect(try MetadataFile.decode(MetadataFile.encode(m), path: "x.md") == m)
    }

    @Test("any flipped byte, truncation or foreign file is refused with the path named")
    func corruption() {
        let bytes = MetadataFile.encode(Self.sample())
        var cases: [[UInt8]] = [[], Array(bytes.prefix(20)), Array(bytes.dropLast()), Array("not metadata at all".utf8)]
        for position in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 50)) {
            var flipped = bytes
            flipped[position] ^= 0x40
            cases.append(flipped)
        }
        for bad in cases {
            do {
                _ = try MetadataFile.decode(bad, path: "/state/metadata/r/0.md")
                Issue.record("accepted a corrupt record of \(bad.count) bytes")
            } catch {
                #expect(error.description.hasPrefix("/state/metadata/r/0.md: corrupt metadata"))
            }
        }
    }

    @Test("store writes durably and load reads it back; a missing file means a new volume")
    func storeAndLoad() async throws {
        let dir = "/tmp/tandem-metadata-test-\(getpid())"
        defer { _ = system("rm -rf '\(dir)'") }
        _ = mkdir(dir, 0o755)
        let path = dir + "/0.md"
        #expect(try MetadataFile.load(path) == nil)
        let m = Self.sample()
        #expect(await MetadataFile.store(m, to: path) == .done)
        #expect(try MetadataFile.load(path) == m)
        #expect(access(path + ".tmp", F_OK) != 0)
    }
}
