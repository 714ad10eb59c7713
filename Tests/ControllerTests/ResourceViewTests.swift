@testable import Controller
import ControllerCore
import Foundation
import TandemModel
import Testing

/// `GET /v1/view/resources` from the satellites' reports: what `linstor r l` / `v l` and
/// python-linstor read (disk_state, replication_states, device_path, in_use).
@Suite struct ResourceViewTests {
    static func cluster() throws -> ClusterState {
        var s = try ClusterStateTests.cluster(nodes: ["alpha", "bravo"])
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "backups"), ctx: ClusterStateTests.ctx())
        _ = try s.createVolumeDefinition("backups", VolumeDefinitionCreate(sizeKiB: 65536), ctx: ClusterStateTests.ctx())
        var two = AutoSelectFilter()
        two.placeCount = 2
        _ = try s.autoplace("backups", filter: two, live: ClusterStateTests.live(s), ctx: ClusterStateTests.ctx())
        return s
    }

    static func runtime(_ resource: ActualResource) -> NodeRuntime {
        var rt = NodeRuntime(desiredGeneration: 1)
        rt.link = .online(satelliteVersion: "test")
        rt.absorb(NodeActualState(appliedGeneration: 1, storagePools: [], resources: [resource]), nowMillis: 1)
        return rt
    }

    static func render(_ s: ClusterState, _ runtimes: [String: NodeRuntime]) throws -> [String: [String: Any]] {
        let bytes = ResourceView().render(s, runtimes)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["node_name"] as! String, $0) })
    }

    static func volume(_ r: [String: Any]?) -> [String: Any] { ((r?["volumes"] as? [[String: Any]])?.first) ?? [:] }
    static func state(_ r: [String: Any]?) -> [String: Any] { volume(r)["state"] as? [String: Any] ?? [:] }

    @Test func syncShowsSyncTargetWithProgressAndTheSourceStaysUpToDate() throws {
        let s = try Self.cluster()
        let target = ActualResource(name: "backups", role: "Secondary", inUse: false, volumes: [
            ActualVolume(volumeNumber: 0, diskState: "Inconsistent", allocatedKiB: 1024, nbdExport: "nbd+unix:///backups/0?socket=/s",
                         peers: [ActualPeerVolume(peerNodeName: "alpha", replicationState: "SyncTarget", peerDiskState: "UpToDate", donePercent: 45.2)]),
        ], connections: [ActualConnection(peerNodeName: "alpha", connectionState: "Connected", replicationState: "SyncTarget", peerDiskState: "UpToDate", syncPercent: 45.2)])
        let source = ActualResource(name: "backups", role: "Primary", inUse: true, volumes: [
            ActualVolume(volumeNumber: 0, diskState: "UpToDate", allocatedKiB: 65536, devicePath: "/dev/loop3", nbdExport: "nbd+unix:///backups/0?socket=/s",
                         peers: [ActualPeerVolume(peerNodeName: "bravo", replicationState: "SyncSource", peerDiskState: "Inconsistent", donePercent: 45.2)]),
        ], connections: [ActualConnection(peerNodeName: "bravo", connectionState: "Connected", replicationState: "SyncSource", peerDiskState: "Inconsistent", syncPercent: 45.2)])
        let view = try Self.render(s, ["ALPHA": Self.runtime(source), "BRAVO": Self.runtime(target)])

        #expect(Self.state(view["bravo"])["disk_state"] as? String == "SyncTarget(45.20%)")
        let towardAlpha = (Self.state(view["bravo"])["replication_states"] as? [String: Any])?["alpha"] as? [String: Any]
        #expect(towardAlpha?["replication_state"] as? String == "SyncTarget")
        #expect((towardAlpha?["done_percentage"] as? NSNumber)?.doubleValue == 45.2)
        #expect(Self.state(view["alpha"])["disk_state"] as? String == "UpToDate")

        // The attached local device is the volume's device; the NBD export stays in the DRBD layer data.
        #expect(Self.volume(view["alpha"])["device_path"] as? String == "/dev/loop3")
        #expect(Self.volume(view["bravo"])["device_path"] as? String == "nbd+unix:///backups/0?socket=/s")
        let drbdLayer = (Self.volume(view["alpha"])["layer_data_list"] as? [[String: Any]])?.first?["data"] as? [String: Any]
        #expect(drbdLayer?["device_path"] as? String == "nbd+unix:///backups/0?socket=/s")
        #expect((view["alpha"]?["state"] as? [String: Any])?["in_use"] as? Bool == true)
        #expect((view["bravo"]?["state"] as? [String: Any])?["in_use"] as? Bool == false)
    }

    @Test func pausedSyncWithoutProgressAndOlderSatellitesStillRender() throws {
        let s = try Self.cluster()
        let paused = ActualResource(name: "backups", role: "Secondary", inUse: false, volumes: [
            ActualVolume(volumeNumber: 0, diskState: "Inconsistent",
                         peers: [ActualPeerVolume(peerNodeName: "alpha", replicationState: "PausedSyncT", peerDiskState: "UpToDate")]),
        ], connections: [])
        // A satellite that predates per-volume peer states: the connection summary is used.
        let older = ActualResource(name: "backups", role: "Secondary", inUse: false, volumes: [
            ActualVolume(volumeNumber: 0, diskState: "UpToDate"),
        ], connections: [ActualConnection(peerNodeName: "bravo", connectionState: "Connected", replicationState: "Established", peerDiskState: "UpToDate")])
        let view = try Self.render(s, ["ALPHA": Self.runtime(older), "BRAVO": Self.runtime(paused)])
        #expect(Self.state(view["bravo"])["disk_state"] as? String == "PausedSyncT")
        let repl = (Self.state(view["alpha"])["replication_states"] as? [String: Any])?["bravo"] as? [String: Any]
        #expect(repl?["replication_state"] as? String == "Established")
        #expect(repl?["done_percentage"] == nil)
    }

    @Test func percentTextHasTwoDecimalsAndIsClamped() {
        #expect(ActualVolume.percentText(45.2) == "45.20%")
        #expect(ActualVolume.percentText(0.004) == "0.00%")
        #expect(ActualVolume.percentText(99.999) == "100.00%")
        #expect(ActualVolume.percentText(7.05) == "7.05%")
        #expect(ActualVolume.percentText(-3) == "0.00%")
        #expect(ActualVolume.percentText(250) == "100.00%")
    }
}
