@testable import Satellite
import SatelliteCore
import StorageProviders
import TandemModel
import Testing

@Suite struct NodeRenderingTests {
    func render(_ options: [String: String], thin: Bool = true) -> Result<String, RenderError> {
        let resource = DesiredResource(
            name: "r1", nodeId: 0, port: 7000, diskless: false,
            volumes: [DesiredVolume(volumeNumber: 0, sizeKiB: 65536, minor: 1000, storagePool: "pool1")],
            peers: [DesiredPeer(nodeName: "beta", nodeId: 1, address: "127.0.0.3", port: 7000, diskless: false)],
            options: options)
        let rendering = NodeRendering(nodeName: "alpha", replicationHost: "127.0.0.2",
                                      providers: ["pool1": FileProvider(directory: "/srv/pool1", thin: thin)])
        let state = NodeDesiredState(generation: 1, nodeName: "alpha", storagePools: [], resources: [resource])
        return rendering.planned(state)[0].file
    }

    @Test func controllerBookkeepingKeysAreDroppedAndEngineOptionsKept() throws {
        let text = try render(["peer-slots": "7", "shared-secret": "abc", "auto-quorum": "io-error", "quorum": "majority"]).get()
        #expect(text.contains("quorum majority"))
        #expect(text.contains("/srv/pool1/r1_00000.img"))
        #expect(text.contains("127.0.0.2:7000"))
        #expect(!text.contains("peer-slots") && !text.contains("abc"))
    }

    @Test func aMisspelledOptionIsStillRefusedByName() {
        guard case .failure(let error) = render(["quorom": "majority"]) else {
            Issue.record("a misspelled option must not render"); return
        }
        #expect(error.message.contains("quorom"))
    }

    @Test func thinPoolsSkipTheInitialSyncThickPoolsDoNot() throws {
        #expect(try render([:], thin: true).get().contains("skip-initial-sync yes"))
        #expect(try render([:], thin: false).get().contains("skip-initial-sync no"))
        // An explicit setting from the controller wins.
        #expect(try render(["skip-initial-sync": "no"], thin: true).get().contains("skip-initial-sync no"))
    }
}
