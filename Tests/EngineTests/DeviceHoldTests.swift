@testable import Engine
import EngineAdmin
import EngineConfig
import Foundation
import ListenerTestSupport
import Logging
import NBDServer
import NIOPosix
import Synchronization
import Glibc
import Testing

/// Device registrations (`attach-device`): what `tandem adm attach` relies on to make the engine,
/// the satellite and `volume list` know the local device, and to learn that its export is gone.
@Suite("Device registrations")
struct DeviceHoldTests {
    final class Ends: Sendable {
        let reasons = Mutex<[String]>([])
    }

    static func supervisor() throws -> (EngineSupervisor, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-devhold-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/d0.img", contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/d0.img"))
        try handle.truncate(atOffset: 8 << 20)
        try handle.close()
        let port = TestPorts.reserve()
        try TestResourceFile.text("solo", disk: dir + "/d0.img", minor: 1000, on: .init(name: "alpha", id: 0, port: port))
            .write(toFile: dir + "/resources/solo.res", atomically: true, encoding: .utf8)
        let layout = EngineStateLayout(stateDirectory: dir)
        let s = EngineSupervisor(layout: layout, registry: NBDExportRegistry(), nbdSocketPath: dir + "/nbd.sock",
                                 group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        return (s, dir)
    }

    @Test func registrationNeedsAnOpenExportShowsInStatusAndEndsWhenTheResourceGoesDown() async throws {
        let (s, dir) = try Self.supervisor()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(await s.up("solo") == nil)
        let ends = Ends()
        let end: @Sendable (String) async -> Void = { reason in ends.reasons.withLock { $0.append(reason) } }

        func refusal(_ resource: String, _ volume: Int?, _ path: String?) async -> String? {
            if case .failure(let r) = await s.registerDevice(resource: resource, volume: volume, devicePath: path, end: end) { return r.message }
            return nil
        }
        #expect(await refusal("solo", 0, "/dev/loop5")?.contains("no NBD client has solo/0 open") == true)
        #expect(await refusal("ghost", 0, "/dev/loop5")?.contains("no such resource") == true)

        let runtime = try #require(await s.resources["solo"])
        // A brand-new volume is Inconsistent; make it UpToDate as the initial sync source would be.
        _ = await runtime.adminAll(.primary(force: true))
        _ = await runtime.adminAll(.secondary)
        await runtime.exportOpened(0)
        #expect(await refusal("solo", 3, "/dev/loop5")?.contains("no volume 3") == true)
        #expect(await refusal("solo", 0, "loop5")?.contains("absolute device path") == true)
        #expect(await refusal("solo", 0, "/dev/loop5\nx")?.contains("control characters") == true)
        #expect(await refusal("solo", nil, "/dev/loop5")?.contains("volume number") == true)
        #expect(await s.reports("solo").first?.volumes.first?.devicePaths == nil, "refused registrations leave no trace")

        let registered = await s.registerDevice(resource: "solo", volume: 0, devicePath: "/dev/loop5", end: end)
        guard case .success(let id) = registered else {
            Issue.record("an open export's device is accepted: \(registered)"); return
        }
        let volume = try #require(await s.reports("solo").first?.volumes.first)
        #expect(volume.devicePaths == ["/dev/loop5"])
        #expect(volume.open)
        #expect(await s.reports("solo").first?.role == "Primary", "an attached device makes the node Primary")

        // The holder's connection closing unregisters it; once the export is closed the node demotes.
        await s.unregisterDevice(id)
        #expect(await s.reports("solo").first?.volumes.first?.devicePaths == nil)
        await runtime.exportClosed(0)
        for _ in 0..<50 where await s.reports("solo").first?.role == "Primary" { try await Task.sleep(for: .milliseconds(50)) }
        #expect(await s.reports("solo").first?.role == "Secondary")
        await runtime.exportOpened(0)

        // The resource going down tells every holder why and forgets them.
        _ = await s.registerDevice(resource: "solo", volume: 0, devicePath: "/dev/loop6", end: end)
        await s.down("solo")
        for _ in 0..<100 where ends.reasons.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(ends.reasons.withLock { $0 } == ["solo went down in the engine; its NBD export is gone"])
        #expect(await s.deviceHolds.isEmpty)
        await s.stopAll()
    }
}

/// The grown area of a backing file must read as zeros on every replica, without making a thin
/// file thick.
@Suite("Volume growth: zeroing the new area")
struct VolumeGrowthZeroTests {
    @Test func holesStayHolesAndOldDataIsZeroed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-grow-\(UInt32.random(in: 0...UInt32.max)).img").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: nil)
        let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try h.truncate(atOffset: 8 << 20)
        #expect(VolumeGrowth.zeroRange(path, from: 4 << 20, to: 8 << 20) == nil)
        let blocks = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)
        #expect(blocks.intValue == 8 << 20)
        var st = stat()
        #expect(lstat(path, &st) == 0 && st.st_blocks == 0, "a sparse grown area is left sparse")

        // Stale bytes past the old end (a backing volume reused) are zeroed.
        try h.seek(toOffset: 5 << 20)
        h.write(Data(repeating: 0xAB, count: 4096))
        try h.synchronize()
        #expect(VolumeGrowth.zeroRange(path, from: 4 << 20, to: 8 << 20) == nil)
        try h.seek(toOffset: 5 << 20)
        #expect(try h.read(upToCount: 4096) == Data(repeating: 0, count: 4096))
        try h.close()
    }
}
