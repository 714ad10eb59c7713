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

/// Operator text from session 12: a resource that failed to come up showed `role:Unknown` and
/// nothing else but the error. DRBD never shows a local role of Unknown (it is a peer's role
/// while disconnected); for a resource whose `drbdadm up` failed it shows Secondary with the
/// volumes Diskless. The status now says that, each peer StandAlone (nothing connects), and the
/// reason; a file that could not be read shows only the role and the reason.
@Suite("Status of a resource that failed to come up", .removesScratchFolders)
struct FailedBringUpStatusTests {
    @Test func showsWhatDRBDShowsAndTheReason() async throws {
        let dir = try ScratchFolder.make("tandem-failed-up-")
        try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
        let port = TestPorts.reserve(2)
        // r1's backing file does not exist: its file reads, its disk does not open.
        try TestResourceFile.text("r1", disk: "\(dir)/missing.img", minor: 1020, on: .init(name: "alpha", id: 0, port: port),
                                  peers: [.init(name: "beta", id: 1, port: port + 1)])
            .write(toFile: "\(dir)/resources/r1.res", atomically: true, encoding: .utf8)
        // r2's file does not parse.
        try "resource r2 {\n    volume 0 {\n".write(toFile: "\(dir)/resources/r2.res", atomically: true, encoding: .utf8)
        let supervisor = EngineSupervisor(layout: EngineStateLayout(stateDirectory: dir), registry: NBDExportRegistry(), nbdSocketPath: nil,
                                          group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        try ScratchFolder.onTestEnd { await supervisor.stopAll() }
        await supervisor.startAll()

        let status = await supervisor.handle(AdminRequest(verb: .status))
        let reports = try #require(status.resources)
        #expect(reports.map(\.name) == ["r1", "r2"])
        let r1 = try #require(reports.first), r2 = try #require(reports.last)
        let r1Error = try #require(r1.error, "r1 came up on a missing disk")
        #expect(r1Error.contains("missing.img"), "the reason names the file: \(r1Error)")
        let r2Error = try #require(r2.error, "r2 came up from a broken file")
        #expect(r2Error.contains("r2.res"), "the reason names the file: \(r2Error)")
        #expect(StatusFormatter.format(reports) == """
        r1 role:Secondary
          error: \(r1Error)
          disk:Diskless
          beta connection:StandAlone

        r2 role:Secondary
          error: \(r2Error)

        """)
        // The event stream says the same, as drbdsetup events2 would.
        let events = EventStream.dump(reports).map(\.line)
        #expect(events.contains("exists resource name:r1 role:Secondary suspended:no may_promote:no promotion_score:0"), "\(events)")
        #expect(events.contains { $0.hasPrefix("exists device name:r1 volume:0 minor:1020 ") && $0.contains(" disk:Diskless client:no ") },
                "\(events)")
        #expect(events.contains("exists connection name:r1 peer-node-id:1 conn-name:beta connection:StandAlone role:Unknown"), "\(events)")
        #expect(!events.contains { $0.contains("role:Unknown") && $0.hasPrefix("exists resource") }, "\(events)")
        // A request that needs it running still names the reason.
        let primary = await supervisor.handle(AdminRequest(verb: .primary, resource: "r1"))
        #expect(!primary.ok && primary.error == "r1 is down: \(r1Error)", "\(primary)")
    }
}
