@testable import Engine
import EngineAdmin
import ReplicationCore
import ScratchFolders
import Testing

/// A peer that replicates with another protocol (A/C) than this node is not connected, and
/// `tandem adm status` says why on that connection, once (replication protocol 10).
@Suite("A replication protocol mismatch shows on the connection in status", .removesScratchFolders)
struct ProtocolMismatchStatusTests {
    @Test func protocolMismatchShowsOnTheConnection() async throws {
        // The test plays the peer by stepping alpha's core; alpha uses the default, protocol C.
        let port = SteppedRuntime.port()
        let alpha = try await SteppedRuntime.start("proto", minor: 1008, on: .init(name: "alpha", id: 0, port: port),
                                                   peers: [.init(name: "beta", id: 1, port: port + 1)])
        let report = try await ClientRequestBatchTests.onLoop(alpha) { runtime -> ResourceReport in
            let generations = runtime.volumes[0]!.instance.currentGenerations
            let asynchronous = Handshake(nodeID: NodeID(1), volume: 0, sizeBytes: 1 << 20, bitmapBlockBytes: 4096, role: .secondary,
                                         disk: .upToDate, generations: GenerationSet(current: generations.current), flags: [],
                                         outOfSyncBlocks: 0, hasQuorum: true, replicationProtocol: .a)
            runtime.step(0, .transportUp(NodeID(1)))
            runtime.step(0, .message(.handshake(asynchronous), from: NodeID(1)))
            return runtime.report(nbdSocketPath: nil)
        }
        let beta = try #require(report.connections.first { $0.peerNodeId == 1 })
        let message = beta.message ?? ""
        #expect(beta.connection != "Connected", "\(beta)")
        #expect(message.contains("replicates with protocol A and this node with protocol C"), "\(beta)")
        #expect(report.error == nil, "\(report.error ?? "")")
        let status = StatusFormatter.format([report])
        #expect(status.components(separatedBy: "replicates with protocol A").count == 2, "printed once: \(status)")
        await alpha.stop()
    }
}
