import Foundation
@testable import StorageProviders
import TandemModel
import Testing

/// ZFS and ZFS_THIN with real zfs on a throwaway zpool over a loop device, where the zfs tools
/// and kernel module are present; skipped with the cause elsewhere.
@Suite(.serialized) struct LiveZFSTests {
    /// A zpool on its own loop device; `remove()` destroys it and frees the device.
    struct ThrowawayPool {
        let name: String
        let loop: ThrowawayLoopDevice
        init() throws {
            name = LiveStorageMachine.uniqueName("tandemt")
            loop = try ThrowawayLoopDevice(sizeMiB: 512)
            do {
                // No mountpoint: the pool's root file system is of no use here.
                try LiveStorageMachine.runner.run("zpool", ["create", "-f", "-m", "none", name, loop.device])
            } catch {
                loop.remove()
                throw error
            }
        }
        func remove() {
            _ = try? LiveStorageMachine.runner.run("zpool", ["destroy", "-f", name])
            loop.remove()
        }
    }

    @Test(.enabled(if: LiveStorageMachine.zfsSkip == nil, Comment(rawValue: LiveStorageMachine.zfsSkip ?? "")))
    func zfsThickCreateGrowReportDelete() throws {
        let pool = try ThrowawayPool()
        defer { pool.remove() }
        let provider = ZFSProvider(dataset: pool.name, thin: false, runner: LiveStorageMachine.runner)
        try provider.checkPool()
        let empty = try #require(try provider.capacity())
        #expect(empty.total > .mib(300))

        let created = try provider.createVolume(named: "r1_00000", size: .mib(64))
        #expect(created.size == .mib(64))
        // Thick: the refreservation makes the whole size count as used at once.
        #expect(created.allocated >= .mib(64))
        #expect(try provider.capacity()!.free.rawValue <= empty.free.rawValue - ByteCount.mib(64).rawValue)
        do {
            _ = try provider.createVolume(named: "r1_00000", size: .mib(8))
            Issue.record("an existing zvol must not be adopted")
        } catch {
            #expect(error.kind == .nameClash)
        }
        do {
            _ = try provider.createVolume(named: "big_00000", size: .mib(4096))
            Issue.record("a thick zvol larger than the pool must be refused")
        } catch {
            #expect(error.kind == .poolFull)
        }

        // Not a multiple of any volblocksize: rounded up to whole MiB.
        try provider.growVolume(named: "r1_00000", to: ByteCount(96 * 1024 * 1024 + 1))
        #expect(try provider.volume(named: "r1_00000")?.size == .mib(97))
        do {
            try provider.growVolume(named: "r1_00000", to: .mib(32))
            Issue.record("shrinking must be refused")
        } catch {
            #expect(error.kind == .invalidRequest)
        }

        #expect(Array(try provider.volumes(named: ["r1_00000", "absent_00000"]).keys) == ["r1_00000"])
        try provider.deleteVolume(named: "r1_00000")
        #expect(try provider.volume(named: "r1_00000") == nil)
        try provider.deleteVolume(named: "r1_00000")
    }

    @Test(.enabled(if: LiveStorageMachine.zfsSkip == nil, Comment(rawValue: LiveStorageMachine.zfsSkip ?? "")))
    func zfsThinTakesSpaceAsWritten() throws {
        let pool = try ThrowawayPool()
        defer { pool.remove() }
        let provider = ZFSProvider(dataset: pool.name, thin: true, runner: LiveStorageMachine.runner)
        try provider.checkPool()
        // Sparse: more than the pool holds is allowed.
        let created = try provider.createVolume(named: "r1_00000", size: .mib(2048))
        #expect(created.allocated < .mib(8))

        // The zvol's device node appears through udev a moment after zfs create.
        var handle: FileHandle?
        for _ in 0..<50 where handle == nil {
            handle = FileHandle(forWritingAtPath: created.path)
            if handle == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        let device = try #require(handle, "no \(created.path) after zfs create")
        // Random bytes: compression (on by default in newer pools) must not shrink them away.
        var random = SystemRandomNumberGenerator()
        let words = (0..<((16 << 20) / 8)).map { _ in random.next() as UInt64 }
        try device.write(contentsOf: words.withUnsafeBytes { Data($0) })
        try device.synchronize()
        try device.close()
        try LiveStorageMachine.runner.run("zpool", ["sync", pool.name])
        let written = try #require(try provider.volume(named: "r1_00000"))
        #expect(written.allocated >= .mib(8), "16 MiB written: \(written.allocated) allocated")

        try provider.deleteVolume(named: "r1_00000")
        #expect(try provider.volume(named: "r1_00000") == nil)
    }
}
