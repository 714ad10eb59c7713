@testable import Engine
import EngineAdmin
import Foundation
import ReplicationCore
import ScratchFolders
import Testing

/// An Outdated disk says why in `tandem adm status` (`reason:` beside `disk:`, and a message)
/// and `events` (`disk-reason:`), for each way a Secondary becomes Outdated besides its failure
/// record (FailureRecordStatusTests): a quorum loss, a graceful leave of the Primary, a peer with
/// newer data. The operator's next step differs (wait for quorum, reconnect, let the resync run),
/// and `disk:Outdated` alone does not tell them apart. Each test plays the peers' side through
/// the runtime (`SteppedRuntime`).
@Suite("Why a disk is Outdated, on status and events", .removesScratchFolders)
struct OutdatedReasonStatusTests {
    /// alpha's report, its status text and its `device` event line.
    static func shown(_ runtime: ResourceRuntime) async throws -> (volume: VolumeReport, status: String, event: EngineEvent?) {
        let report = try await ClientRequestBatchTests.onLoop(runtime) { $0.report(nbdSocketPath: nil) }
        let volume = try #require(report.volumes.first)
        return (volume, StatusFormatter.format([report]), EventStream.dump([report]).first { $0.object == "device" })
    }

    static func expectReason(_ reason: DiskReason, _ runtime: ResourceRuntime) async throws {
        let (volume, status, event) = try await shown(runtime)
        #expect(volume.disk == "Outdated", "\(status)")
        #expect(volume.diskReason == reason.rawValue, "\(status)")
        #expect(status.contains("  disk:Outdated reason:\(reason.rawValue)"), "\(status)")
        #expect(status.contains("    message: \(reason.explanation)"), "\(status)")
        #expect(event?.value("disk-reason") == reason.rawValue, "\(event?.line ?? "no device line")")
    }

    /// alpha with peers beta and gamma on a 1 MiB volume in `dir`; `quorum majority` or none.
    static func startThree(_ dir: String, port: Int, quorum: Bool) async throws -> ResourceRuntime {
        try await SteppedRuntime.start(in: dir, "oreasonq", minor: 1021, on: .init(name: "alpha", id: 0, port: port),
                                       peers: [.init(name: "beta", id: 1, port: port + 1), .init(name: "gamma", id: 2, port: port + 2)],
                                       options: quorum ? " quorum majority;" : "")
    }

    @Test("a Secondary that lost quorum: disk:Outdated reason:lost-quorum quorum:no")
    func lostQuorum() async throws {
        let dir = try ScratchFolder.make("tandem-oreasonq-")
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 1 << 20)))
        let port = SteppedRuntime.port()
        // UpToDate at a generation of its own (forced while quorum is off), then quorum on: a
        // restart with `quorum majority`, where no peer connected yet only means no quorum.
        let first = try await Self.startThree(dir, port: port, quorum: false)
        #expect(await first.adminAll(.primary(force: true)) == .done)
        #expect(await first.adminAll(.secondary) == .done)
        await first.stop()
        let alpha = try await Self.startThree(dir, port: port, quorum: true)
        // beta and gamma connect UpToDate at alpha's generation: quorum, alpha UpToDate.
        try await ClientRequestBatchTests.onLoop(alpha) { runtime in
            let current = runtime.volumes[0]!.instance.currentGenerations.current
            runtime.receiveHandshake(from: 1, role: .secondary, current: current)
            runtime.receiveHandshake(from: 2, role: .secondary, current: current)
        }
        let (before, status, _) = try await Self.shown(alpha)
        #expect(before.disk == "UpToDate" && before.quorum && before.diskReason == nil, "\(status)")
        // Both links go down: alpha is alone, one of three.
        try await ClientRequestBatchTests.onLoop(alpha) { runtime in
            runtime.step(0, .transportDown(NodeID(1)))
            runtime.step(0, .transportDown(NodeID(2)))
        }
        try await Self.expectReason(.lostQuorum, alpha)
        #expect(try await Self.shown(alpha).status.contains("disk:Outdated reason:lost-quorum quorum:no"))
        await alpha.stop()
    }

    @Test("a Secondary the Primary left gracefully: disk:Outdated reason:left-primary")
    func leftByThePrimary() async throws {
        let alpha = try await SteppedRuntime.startAlphaUpToDate("oreasonl", minor: 1022)
        try await ClientRequestBatchTests.onLoop(alpha) { runtime in
            let current = runtime.volumes[0]!.instance.currentGenerations.current
            runtime.receiveHandshake(from: 1, role: .primary, current: current)
        }
        #expect(try await Self.shown(alpha).volume.disk == "UpToDate")
        // beta, the Primary, disconnects cleanly (`tandem adm disconnect` there).
        try await ClientRequestBatchTests.onLoop(alpha) { runtime in
            runtime.step(0, .message(.goodbye(Goodbye(outdated: false)), from: NodeID(1)))
        }
        try await Self.expectReason(.leftPrimary, alpha)
        await alpha.stop()
    }

    @Test("a Secondary that meets a peer with newer data: disk:Outdated reason:peer-has-newer-data")
    func peerWithNewerData() async throws {
        let alpha = try await SteppedRuntime.startAlphaUpToDate("oreasonn", minor: 1023)
        // beta moved past alpha's generation (it wrote as Primary while alpha was away).
        try await ClientRequestBatchTests.onLoop(alpha) { runtime in
            let current = runtime.volumes[0]!.instance.currentGenerations.current
            let newer = Generation((current.rawValue &+ 0x1000) & ~1)
            runtime.receiveHandshake(from: 1, role: .secondary, current: newer, history: [current])
        }
        try await Self.expectReason(.peerHasNewerData, alpha)
        await alpha.stop()
    }
}
