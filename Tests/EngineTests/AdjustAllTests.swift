@testable import Engine
import EngineAdmin
import EngineConfig
import Foundation
import ListenerTestSupport
import Logging
import NBDServer
import NIOPosix
import ScratchFolders
import Testing

/// `tandem adm adjust` with no resource name: resources whose file is gone go down, the others
/// are adjusted. Found by hand (docs/engine-audit.md): a resource whose bring-up failed (a bad
/// file) stayed in `status` with its error after its file was removed and adjust ran; and a
/// resources folder that could not be listed was read as empty, so adjust took every resource
/// down and answered ok.
@Suite("adm adjust of every resource", .removesScratchFolders)
struct AdjustAllTests {
    /// An engine folder with one good single-node resource, r1, and its supervisor.
    static func engine() throws -> (EngineSupervisor, String) {
        let dir = try ScratchFolder.make("tandem-adjust-all-")
        try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: "\(dir)/r1.img", contents: Data(count: 8 << 20)))
        try TestResourceFile.text("r1", disk: "\(dir)/r1.img", minor: 1020, on: .init(name: "alpha", id: 0, port: TestPorts.reserve()))
            .write(toFile: "\(dir)/resources/r1.res", atomically: true, encoding: .utf8)
        let supervisor = EngineSupervisor(layout: EngineStateLayout(stateDirectory: dir), registry: NBDExportRegistry(), nbdSocketPath: nil,
                                          group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        return (supervisor, dir)
    }

    static func names(_ supervisor: EngineSupervisor) async -> [String] {
        (await supervisor.handle(AdminRequest(verb: .status)).resources ?? []).map(\.name)
    }

    @Test("a resource that failed to come up leaves status once its file is gone and adjust runs")
    func failedResourceWithoutFileIsForgotten() async throws {
        let (supervisor, dir) = try Self.engine()
        try ScratchFolder.onTestEnd { await supervisor.stopAll() }
        try "resource r2 {\n".write(toFile: "\(dir)/resources/r2.res", atomically: true, encoding: .utf8)
        await supervisor.startAll()
        let before = await supervisor.handle(AdminRequest(verb: .status)).resources ?? []
        #expect(before.first { $0.name == "r2" }?.error?.contains("r2.res:1") == true, "\(before)")

        try FileManager.default.removeItem(atPath: "\(dir)/resources/r2.res")
        let adjusted = await supervisor.handle(AdminRequest(verb: .adjust))
        #expect(adjusted.ok, "\(adjusted.error ?? "")")
        #expect(await Self.names(supervisor) == ["r1"])
    }

    @Test("a resources folder that cannot be listed makes adjust and up fail, naming it, and changes nothing")
    func unlistableFolderChangesNothing() async throws {
        let (supervisor, dir) = try Self.engine()
        try ScratchFolder.onTestEnd { await supervisor.stopAll() }
        await supervisor.startAll()
        #expect(await Self.names(supervisor) == ["r1"])

        // A file where the folder was: listing it fails (ENOTDIR), even for root.
        try FileManager.default.moveItem(atPath: "\(dir)/resources", toPath: "\(dir)/resources.moved")
        #expect(FileManager.default.createFile(atPath: "\(dir)/resources", contents: Data("not a folder".utf8)))
        for verb in [AdminVerb.adjust, .up] {
            let response = await supervisor.handle(AdminRequest(verb: verb))
            #expect(!response.ok)
            #expect(response.error?.contains("cannot list the resource files in \(dir)/resources") == true, "\(verb): \(response.error ?? "ok")")
            #expect(response.error?.contains("nothing was changed") == true)
        }
        let r1 = await supervisor.handle(AdminRequest(verb: .status, resource: "r1")).resources?.first
        #expect(r1?.error == nil && r1?.volumes.first?.disk != nil, "r1 was taken down: \(String(describing: r1))")
    }
}
