@testable import Engine
import ReplicationCore
import ReplicationWire
import ScratchFolders
import Testing

/// The replication hello carries the volume's out-of-sync bitmap block. The engine sent a
/// hard-coded 4096 and `helloRefusal` never looked at the peer's: a peer tracking other blocks
/// got through the hello and was refused only by the core's handshake, after the link was up.
/// The hello now sends the core's `bitmapBlockBytes` and refuses a mismatch with a message that
/// names the peer and both values (session 22, review).
@Suite("The replication hello's bitmap block", .removesScratchFolders)
struct HelloBitmapBlockTests {
    @Test func helloSendsTheVolumesBlockAndRefusesAnother() async throws {
        let alpha = try await SteppedRuntime.startAlphaUpToDate("hbb", minor: 1024)
        let (sent, mine, same, other) = try await ClientRequestBatchTests.onLoop(alpha) { runtime -> (UInt32, UInt32, String?, String?) in
            let mine = runtime.volumes[0]!.instance.config.bitmapBlockBytes
            let sent = runtime.ourHello(volume: 0, to: 1, lane: .main, token: 1).bitmapBlockBytes
            func hello(_ block: UInt32) -> ReplicationHello {
                ReplicationHello(resourceName: "hbb", senderNodeID: NodeID(1), receiverNodeID: NodeID(0), volume: 0, sizeBytes: 1 << 20,
                                 bitmapBlockBytes: block, frameBytesMax: UInt32(ReplicationFrameDecoder.defaultFrameBytesMax), connectionToken: 1)
            }
            return (sent, mine, runtime.helloRefusal(hello(mine), from: "10.0.0.2:7001"),
                    runtime.helloRefusal(hello(mine * 2), from: "10.0.0.2:7001"))
        }
        // This check cannot tell the old hard-coded 4096 apart (every engine's block is 4096
        // today); the refusal below is what the test checks.
        #expect(sent == mine, "the hello says \(sent)-byte blocks, the volume's core tracks \(mine)-byte blocks")
        #expect(same == nil, "a peer with the same block is refused: \(same ?? "")")
        let message = other ?? ""
        #expect(message.contains("beta (10.0.0.2:7001)") && message.contains("\(mine * 2)-byte") && message.contains("\(mine)-byte"),
                "the refusal names the peer and both blocks: \(message)")
        await alpha.stop()
    }
}
