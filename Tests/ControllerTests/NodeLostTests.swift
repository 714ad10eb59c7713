import Controller
import ControllerCore
import Foundation
import Hummingbird
import HummingbirdTesting
import ScratchFolders
import TandemModel
import Testing

/// `node lost`: a dead node leaves the cluster with its resources; a live one is refused.
@Suite(.removesScratchFolders) struct NodeLostTests {
    typealias R = RestRouteTests

    @Test func lostNodeLeavesWithItsResourcesAndPeersForgetIt() async throws {
        let h = try await R.harness(applyWait: .milliseconds(100))
        try await h.app.test(.router) { c in
            try await R.setUpCluster(c)
            try await R.settle(h)
            let spawn = try await R.call(c, .post, "/v1/resource-groups/DfltRscGrp/spawn", #"{"resource_definition_name":"web","volume_sizes":[1024],"select_filter":{"place_count":3}}"#)
            #expect(spawn.status == .created, "\(spawn.messages)")

            let refused = try await R.call(c, .delete, "/v1/nodes/charlie/lost")
            #expect(refused.status == .internalServerError)
            #expect(refused.messages.contains("still connected"), "\(refused.messages)")
            #expect(try await R.call(c, .delete, "/v1/nodes/nosuch/lost").status == .notFound)

            h.fake.setReachable("charlie", false)
            try await Task.sleep(for: .milliseconds(20))
            let lost = try await R.call(c, .delete, "/v1/nodes/Charlie/lost")
            #expect(lost.status == .ok, "\(lost.messages)")
            #expect(lost.messages.contains("Resource 'web' on lost node 'charlie' removed"), "\(lost.messages)")
            #expect(lost.messages.contains("Node 'charlie' deleted as lost with its 1 resource"), "\(lost.messages)")

            let nodes = try await R.call(c, .get, "/v1/nodes").json as? [[String: Any]] ?? []
            #expect(nodes.compactMap { $0["name"] as? String }.sorted() == ["alpha", "bravo"])
            let view = try await R.call(c, .get, "/v1/view/resources").json as? [[String: Any]] ?? []
            #expect(view.compactMap { $0["node_name"] as? String }.sorted() == ["alpha", "bravo"])
            try await R.settle(h)
            #expect(h.fake.lastDesired("alpha")?.resources.first?.peers.map(\.nodeName) == ["bravo"], "alpha no longer peers with charlie")
        }
        await h.controller.stop()
        // Nothing of charlie is left in the database either.
        let h2 = try await R.harness(dir: h.dir)
        let (state, _) = await h2.controller.snapshot()
        #expect(state.node("charlie") == nil)
        #expect(state.storagePool(node: "charlie", pool: "pool0") == nil)
        #expect(state.resources(of: "web").map(\.nodeName) == ["alpha", "bravo"])
        await h2.controller.stop()
    }
}
