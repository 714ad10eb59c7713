import EngineConfig
import EngineFiles
import Glibc
import Testing
import TandemModel

@Suite("Desired state to resource file")
struct DesiredResourceMappingTests {
    let desired = DesiredResource(
        name: "web", nodeId: 1, port: 7003, diskless: false,
        volumes: [DesiredVolume(volumeNumber: 0, sizeKiB: 102_400, minor: 1003, storagePool: "pool1")],
        peers: [DesiredPeer(nodeName: "n0", nodeId: 0, address: "10.0.0.1", port: 7003, diskless: false),
                DesiredPeer(nodeName: "tb", nodeId: 2, address: "10.0.0.3", port: 7003, diskless: true)],
        options: ["protocol": "A", "quorum": "majority", "on-no-quorum": "io-error"])

    @Test("a DesiredResource maps to a config with paths from the provider")
    func mapping() throws {
        let c = try ResourceConfig(desired: desired, nodeName: "n1", listenHost: "10.0.0.2") { "/pools/\($0.storagePool!)/web_\($0.volumeNumber)" }
        #expect(c.replicationProtocol == .a)
        #expect(c.address == EndpointAddress(host: "10.0.0.2", port: 7003))
        #expect(c.volumes == [VolumeConfig(number: 0, size: .mib(100), minor: 1003, backingPath: "/pools/pool1/web_0")])
        #expect(c.peers.map(\.nodeId) == [0, 2] && c.peers[1].diskless)
        #expect(c.options.quorum == .majority)
        #expect(try ResourceFileParser.parse(ResourceFileWriter.canonicalText(c), file: "web.res") == c)
    }

    @Test("an unknown engine option in the desired state is refused by name")
    func unknownOption() {
        var d = desired
        d.options["allow-two-primaries"] = "yes"
        #expect(throws: ResourceFileProblem.self) { try ResourceConfig(desired: d, nodeName: "n1") { _ in "/a" } }
        do { _ = try ResourceConfig(desired: d, nodeName: "n1") { _ in "/a" } } catch {
            #expect(error.message.contains("unknown option 'allow-two-primaries'"))
        }
    }

    @Test("diskless desired resources get 'disk none' without asking for a path")
    func diskless() throws {
        var d = desired
        d.diskless = true
        let c = try ResourceConfig(desired: d, nodeName: "n1") { _ in Issue.record("asked for a path"); return nil }
        #expect(c.isDiskless)
    }

    @Test("the store writes atomically, skips identical content and loads everything back")
    func store() throws {
        let dir = "/tmp/tandem-engineconfig-test-\(getpid())"
        defer { _ = system("rm -rf '\(dir)'") }
        let store = ResourceFileStore(layout: EngineStateLayout(stateDirectory: dir))
        let c = try ResourceConfig(desired: desired, nodeName: "n1") { _ in "/pools/web_0" }
        #expect(try store.write(c))
        #expect(try store.write(c) == false)
        #expect(try store.load("web") == c)
        try AtomicFile.write("resource broken {\n", to: store.layout.resourceFilePath("broken"))
        try AtomicFile.write(ResourceFileWriter.canonicalText(c), to: store.layout.resourceFilePath("misnamed"))
        let all = try store.loadAll()
        #expect(all.configs == [c])
        #expect(all.failures.count == 2)
        let messages = all.failures.map(\.description).joined(separator: "\n")
        #expect(messages.contains("broken.res:1:"))
        #expect(messages.contains("misnamed.res: defines resource 'web'"))
        #expect(try store.resourceNames() == ["broken", "misnamed", "web"])
    }
}
