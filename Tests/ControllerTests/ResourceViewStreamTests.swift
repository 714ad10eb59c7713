@testable import Controller
import ControllerCore
import Foundation
import NIOCore
import TandemModel
import Testing

/// The streamed /v1/view/resources (large clusters) is byte for byte the one-piece answer.
@Suite struct ResourceViewStreamTests {
    @Test func streamedPiecesJoinToTheWholeAnswer() async throws {
        var s = try ClusterStateTests.cluster(nodes: ["alpha", "bravo", "charlie"])
        let ctx = ClusterStateTests.ctx()
        var two = AutoSelectFilter()
        two.placeCount = 2
        for i in 0..<40 {
            _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "res\(i)"), ctx: ctx)
            _ = try s.createVolumeDefinition("res\(i)", VolumeDefinitionCreate(sizeKiB: 1024), ctx: ctx)
            _ = try s.autoplace("res\(i)", filter: two, live: ClusterStateTests.live(s), ctx: ctx)
        }
        let runtimes = ["ALPHA": ResourceViewTests.runtime(ActualResource(
            name: "res3", role: "Primary", inUse: true,
            volumes: [ActualVolume(volumeNumber: 0, diskState: "UpToDate", allocatedKiB: 512, devicePath: "/dev/x\"y")], connections: []))]
        for view in [ResourceView(), ResourceView(nodeFilter: ["BRAVO"]), ResourceView(resourceFilter: ["RES3", "RES39", "NOSUCH"])] {
            let whole = view.render(s, runtimes)
            var pieces: [[UInt8]] = []
            try await view.stream(s, runtimes, chunkBytes: 1000) { pieces.append(Array($0.readableBytesView)) }
            #expect(pieces.count > 1 || whole.count < 1000)
            #expect(pieces.flatMap { $0 } == whole)
            #expect(pieces.dropLast().allSatisfy { $0.count >= 1000 }, "pieces are flushed only once full")
            let list = try #require(try JSONSerialization.jsonObject(with: Data(whole)) as? [[String: Any]])
            #expect(!list.isEmpty)
        }
    }
}
