@testable import Engine
import EngineAdmin
import ReplicationCore
import ScratchFolders
import Testing

/// A node connected to a Primary that drops a second Primary's connection (one Primary per
/// connected cluster) says so on that connection in `tandem adm status`, with the Primaries to
/// choose from: in the log alone the warning scrolls away while the connection keeps being
/// refused every retry.
@Suite("Second-Primary refusal on the connection's status", .removesScratchFolders)
struct SecondPrimaryStatusTests {
    @Test func refusedSecondPrimaryShowsOnItsConnection() async throws {
        // The test plays both peers' side of the protocol by stepping gamma's core.
        let port = SteppedRuntime.port()
        let gamma = try await SteppedRuntime.start("twop", minor: 1006, on: .init(name: "gamma", id: 2, port: port),
                                                   peers: [.init(name: "alpha", id: 0, port: port + 1), .init(name: "beta", id: 1, port: port + 2)])
        let report = try await ClientRequestBatchTests.onLoop(gamma) { runtime -> ResourceReport in
            let generations = runtime.volumes[0]!.instance.currentGenerations
            func primaryHandshake(_ peer: UInt8) -> Handshake {
                Handshake(nodeID: NodeID(peer), volume: 0, sizeBytes: 1 << 20, bitmapBlockBytes: 4096, role: .primary,
                          disk: .upToDate, generations: GenerationSet(current: generations.current), flags: [],
                          outOfSyncBlocks: 0, hasQuorum: true)
            }
            for peer: UInt8 in [0, 1] {
                runtime.step(0, .transportUp(NodeID(peer)))
                runtime.step(0, .message(.handshake(primaryHandshake(peer)), from: NodeID(peer)))
            }
            return runtime.report(nbdSocketPath: nil)
        }
        let alpha = try #require(report.connections.first { $0.peerNodeId == 0 })
        let beta = try #require(report.connections.first { $0.peerNodeId == 1 })
        #expect(alpha.connection == "Connected" && alpha.peerRole == "Primary", "gamma took alpha, the first Primary: \(alpha)")
        #expect(alpha.message == nil, "alpha's connection is up and says nothing: \(alpha.message ?? "")")
        #expect(beta.connection == "Connecting", "beta is refused and retried later: \(beta)")
        let message = beta.message ?? ""
        #expect(message.contains("node 1 (beta) is Primary for twop and node 0 (alpha), connected here, is Primary")
                    && message.contains("'tandem adm secondary twop' on beta or on alpha"),
                "beta's connection says which Primaries keep it down and how to connect it: \(message)")
        #expect(StatusFormatter.format([report]).contains("message: \(message)"), "the status text prints it")
        await gamma.stop()
    }
}
