import Foundation
@testable import StorageProviders
import TandemModel
import Testing

/// LVM and LVM_THIN with real lvm2 on a throwaway volume group over a loop device. Where
/// device-mapper is missing, LVM still runs with activation switched off (every lvm2 command the
/// provider issues, on real metadata; no /dev/<vg>/<lv> appears) and LVM_THIN is skipped, since
/// lvm2 cannot even create a thin pool there.
@Suite(.serialized) struct LiveLVMTests {
    static let extent = ByteCount.mib(4)

    @Test(.enabled(if: LiveStorageMachine.lvmSkip == nil, Comment(rawValue: LiveStorageMachine.lvmSkip ?? "")))
    func lvmCreateGrowReportDelete() throws {
        let reach = try LiveStorageMachine.lvm.get()
        let vg = try ThrowawayVolumeGroup(reach: reach)
        defer { vg.remove() }
        var provider = LVMProvider(volumeGroup: vg.name, runner: vg.runner)
        if case .metadataOnly = reach { provider.requiresDeviceMapper = false }

        try provider.checkPool()
        let empty = try #require(try provider.capacity())
        #expect(empty.total >= .mib(240) && empty.total <= .mib(256))
        #expect(empty.free == empty.total)

        // lvm2 rounds up to whole 4 MiB extents.
        let created = try provider.createVolume(named: "r1_00000", size: .mib(10))
        #expect(created.size == .mib(12))
        #expect(created.allocated == .mib(12))
        #expect(created.path == "/dev/\(vg.name)/r1_00000")
        if reach == .full {
            #expect(FileManager.default.fileExists(atPath: created.path), "an activated LV has its device node")
        }
        #expect(try provider.capacity()?.free == ByteCount(empty.free.rawValue - ByteCount.mib(12).rawValue))

        // Somebody's volume of the same name is never adopted.
        do {
            _ = try provider.createVolume(named: "r1_00000", size: .mib(4))
            Issue.record("creating an existing LV must fail")
        } catch {
            #expect(error.kind == .nameClash)
        }
        // More than the group holds: refused before lvcreate, with the sizes.
        do {
            _ = try provider.createVolume(named: "big_00000", size: .mib(1024))
            Issue.record("a volume larger than the group must be refused")
        } catch {
            #expect(error.kind == .poolFull)
            #expect(error.message.contains(vg.name))
        }

        try provider.growVolume(named: "r1_00000", to: .mib(20))
        #expect(try provider.volume(named: "r1_00000")?.size == .mib(20))
        try provider.growVolume(named: "r1_00000", to: .mib(20))  // same size: nothing to do
        do {
            try provider.growVolume(named: "r1_00000", to: .mib(8))
            Issue.record("shrinking must be refused")
        } catch {
            #expect(error.kind == .invalidRequest)
        }

        let listed = try provider.volumes(named: ["r1_00000", "absent_00000"])
        #expect(Array(listed.keys) == ["r1_00000"])

        try provider.deleteVolume(named: "r1_00000")
        #expect(try provider.volume(named: "r1_00000") == nil)
        try provider.deleteVolume(named: "r1_00000")  // already gone: not an error
        #expect(try provider.capacity()?.free == empty.free)
    }

    @Test(.enabled(if: LiveStorageMachine.lvmSkip == nil, Comment(rawValue: LiveStorageMachine.lvmSkip ?? "")))
    func lvmFailuresCarryTheCommandAndItsStderr() throws {
        let reach = try LiveStorageMachine.lvm.get()
        var provider = LVMProvider(volumeGroup: LiveStorageMachine.uniqueName("tandemnovg"), runner: LiveStorageMachine.runner)
        if case .metadataOnly = reach { provider.requiresDeviceMapper = false }
        do {
            try provider.checkPool()
            Issue.record("a volume group that does not exist must not pass")
        } catch {
            let text = error.description
            #expect(text.contains("'vgs --noheadings --units b --nosuffix --separator ;"), "the command line: \(text)")
            #expect(text.contains("not found"), "lvm2's stderr: \(text)")
        }
    }

    @Test(.enabled(if: LiveStorageMachine.lvmThinSkip == nil, Comment(rawValue: LiveStorageMachine.lvmThinSkip ?? "")))
    func lvmThinCreateWriteGrowReportDelete() throws {
        let vg = try ThrowawayVolumeGroup(reach: .full)
        defer { vg.remove() }
        try vg.runner.run("lvcreate", ["--yes", "--type", "thin-pool", "-L", "128m", "-n", "pool0", vg.name])
        let provider = LVMThinProvider(thinPool: "\(vg.name)/pool0", runner: vg.runner)

        try provider.checkPool()
        let empty = try #require(try provider.capacity())
        #expect(empty.total == .mib(128))
        #expect(empty.free > .mib(120))

        // Thin volumes may promise more than the pool holds; they take space as written.
        let created = try provider.createVolume(named: "r1_00000", size: .mib(256))
        #expect(created.size == .mib(256))
        #expect(created.allocated < .mib(1))
        #expect(FileManager.default.fileExists(atPath: created.path))

        let handle = try #require(FileHandle(forWritingAtPath: created.path))
        try handle.write(contentsOf: Data(repeating: 0x5a, count: 16 << 20))
        try handle.synchronize()
        try handle.close()
        let written = try #require(try provider.volume(named: "r1_00000"))
        #expect(written.allocated >= .mib(15), "16 MiB written: \(written.allocated) allocated")
        #expect(try provider.capacity()!.free < empty.free)

        try provider.growVolume(named: "r1_00000", to: .mib(300))
        #expect(try provider.volume(named: "r1_00000")!.size >= .mib(300))

        try provider.deleteVolume(named: "r1_00000")
        #expect(try provider.volume(named: "r1_00000") == nil)
    }
}
