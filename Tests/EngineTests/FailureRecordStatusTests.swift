@testable import Engine
import EngineAdmin
import EngineConfig
import Foundation
import Logging
import NIOPosix
import ReplicationCore
import ScratchFolders
import Testing

/// A disk attached again after a failure whose record (`MetadataFlags.diskFailed`) holds it back
/// says why in `tandem adm status` and `events`: Outdated alone does not tell the operator
/// whether the disk waits for a peer's newer data or may lack writes it missed while failed, and
/// forcing it Primary in the second case would expose a replica without them. The failure record
/// is what the engine writes while the disk is Failed (ReplicationCore `noteFailureRecord`);
/// here it is put into the file between two runs, as a restart after the failure finds it.
@Suite("A failed disk's record on its status", .removesScratchFolders)
struct FailureRecordStatusTests {
    static func start(_ dir: String, port: Int) async throws -> ResourceRuntime {
        try await SteppedRuntime.start(in: dir, "failrec", minor: 1013, on: .init(name: "alpha", id: 0, port: port),
                                       peers: [.init(name: "beta", id: 1, port: port + 1)])
    }

    @Test("Outdated by its failure record: status prints reason:failed-disk and a message, events disk-reason:failed-disk")
    func failureRecordShownOnStatusAndEvents() async throws {
        let dir = try ScratchFolder.make("tandem-failrec-")
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 1 << 20)))
        let port = SteppedRuntime.port()
        let first = try await Self.start(dir, port: port)
        #expect(await first.adminAll(.primary(force: true)) == .done)
        #expect(await first.adminAll(.secondary) == .done)
        let plain = await first.report(nbdSocketPath: nil)
        #expect(plain.volumes.first?.diskReason == nil, "an UpToDate disk with no record has no reason: \(plain)")
        #expect(!StatusFormatter.format([plain]).contains("reason:"))
        await first.stop()

        // The record the failure left: the disk state and generation it had, `diskFailed`.
        let path = EngineStateLayout(stateDirectory: dir).metadataPath("failrec", volume: 0)
        var loaded = try #require(try MetadataFile.load(path))
        #expect(loaded.metadata.header.disk == .upToDate)
        loaded.metadata.header.flags.insert(.diskFailed)
        let bytes = MetadataFile.encode(loaded.metadata, layout: try #require(loaded.layout), sequence: loaded.sequence + 1)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))

        let second = try await Self.start(dir, port: port)
        // beta, UpToDate at the generation the disk failed at, connects: alpha yields to it.
        let report = try await ClientRequestBatchTests.onLoop(second) { runtime -> ResourceReport in
            let current = runtime.volumes[0]!.instance.currentGenerations.current
            runtime.receiveHandshake(from: 1, role: .secondary, current: current)
            return runtime.report(nbdSocketPath: nil)
        }
        let volume = try #require(report.volumes.first)
        #expect(volume.disk == "Outdated", "the failed disk yields to beta: \(volume)")
        #expect(volume.diskReason == "failed-disk", "\(volume)")
        let status = StatusFormatter.format([report])
        #expect(status.contains("  disk:Outdated reason:failed-disk"), "\(status)")
        #expect(status.contains("    message: this disk failed while a Primary wrote with UpToDate data elsewhere"), "\(status)")
        let device = EventStream.dump([report]).first { $0.object == "device" }
        #expect(device?.value("disk-reason") == "failed-disk", "\(device?.line ?? "no device line")")
        await second.stop()
    }
}
