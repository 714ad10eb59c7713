@testable import Engine
import EngineAdmin
import ReplicationCore
import ScratchFolders
import Testing

/// A connection the core refuses until the operator acts (split brain, unrelated data) shows
/// why on that connection in `tandem adm status` (7305179). The core also logs it as an error,
/// which became the resource's `error:` line: the same long text was printed twice, once under
/// the resource and once under the connection. It is shown once, on the connection.
@Suite("A refused connection's reason shows once in status", .removesScratchFolders)
struct RefusalShownOnceTests {
    @Test func unrelatedDataShowsOnTheConnectionOnly() async throws {
        // The test plays the peer by stepping alpha's core.
        let port = SteppedRuntime.port()
        let alpha = try await SteppedRuntime.start("once", minor: 1007, on: .init(name: "alpha", id: 0, port: port),
                                                   peers: [.init(name: "beta", id: 1, port: port + 1)])
        // UpToDate at a generation of its own (a forced promotion), then Secondary again.
        #expect(await alpha.adminAll(.primary(force: true)) == .done)
        #expect(await alpha.adminAll(.secondary) == .done)
        let report = try await ClientRequestBatchTests.onLoop(alpha) { runtime -> ResourceReport in
            // A peer whose data shares no generation with this node's.
            let stranger = Handshake(nodeID: NodeID(1), volume: 0, sizeBytes: 1 << 20, bitmapBlockBytes: 4096, role: .secondary,
                                     disk: .upToDate, generations: GenerationSet(current: Generation(0x5EED_0000_0000_0008)), flags: [],
                                     outOfSyncBlocks: 0, hasQuorum: true)
            runtime.step(0, .transportUp(NodeID(1)))
            runtime.step(0, .message(.handshake(stranger), from: NodeID(1)))
            return runtime.report(nbdSocketPath: nil)
        }
        let beta = try #require(report.connections.first { $0.peerNodeId == 1 })
        let message = beta.message ?? ""
        #expect(beta.connection == "StandAlone" && message.contains("unrelated data"), "beta's connection says why: \(beta) \(report)")
        #expect(report.error == nil, "the same reason again as the resource's error: \(report.error ?? "")")
        let status = StatusFormatter.format([report])
        #expect(status.components(separatedBy: "unrelated data").count == 2, "printed once: \(status)")
        await alpha.stop()
    }
}
