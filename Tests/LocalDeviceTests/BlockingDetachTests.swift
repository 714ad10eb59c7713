import DescriptorIO
import Foundation
import Glibc
import LocalDevice
import NBDServer
import ScratchFolders
import Synchronization
import Testing

/// Detaching a local device runs losetup, waits for it and unmounts FUSE: calls that block for
/// as long as the kernel and the tool take. On Swift's cooperative pool (one thread per core,
/// two here) two detaches at once stalled every other task of the process for as long —
/// including the tasks that answer the device's own FUSE requests, which a detach may be
/// waiting for. The detach hang after `rd delete` was suspected to be this. With BlockingWork
/// the pool stays free. Before the fix the ticker below stalled for the whole slow detach (~2 s).
@Suite("Local device detach stays off the cooperative pool", .removesScratchFolders,
       .enabled(if: LocalDeviceAttachment.unavailableReason() == nil, "needs root, /dev/fuse and loop devices"))
struct BlockingDetachTests {
    static let slowDetach: Duration = .seconds(2)

    @Test func twoSlowDetachesDoNotStallOtherTasks() async throws {
        let dir = try ScratchFolder.make("tandem-ld-blocking-")
        // The real losetup, slowed the way a loaded node slows it (seen: seconds under load).
        let losetup = dir + "/slow-losetup"
        try """
        #!/bin/sh
        [ "$1" = --detach ] && sleep \(Self.slowDetach.components.seconds)
        exec \(LoopDevice.defaultTool) "$@"
        """.write(toFile: losetup, atomically: true, encoding: .utf8)
        #expect(chmod(losetup, 0o755) == 0)

        let attachments = Mutex<[LocalDeviceAttachment]>([])
        try ScratchFolder.onTestEnd {
            // A test that failed half way still must not leave a mount or a loop device behind.
            for attachment in attachments.withLock({ $0 }) { try? await attachment.detach() }
        }
        for name in ["a", "b"] {
            #expect(FileManager.default.createFile(atPath: "\(dir)/\(name).img", contents: Data(count: 4 << 20)))
            let export = try NBDFileExport(path: "\(dir)/\(name).img")
            let attachment = try await LocalDeviceAttachment.attach(export: export, mountpoint: "\(dir)/\(name)", losetup: losetup)
            attachments.withLock { $0.append(attachment) }
        }

        let stop = Atomic<Bool>(false)
        let ticker = Task { () -> Duration in
            var last = ContinuousClock.now, worst = Duration.zero
            while !stop.load(ordering: .relaxed) {
                try? await Task.sleep(for: .milliseconds(10))
                let now = ContinuousClock.now
                worst = max(worst, now - last)
                last = now
            }
            return worst
        }
        let started = ContinuousClock.now
        let both = attachments.withLock { $0 }
        async let first: Void = both[0].detach()
        async let second: Void = both[1].detach()
        _ = try await (first, second)
        attachments.withLock { $0 = [] }
        let took = ContinuousClock.now - started
        stop.store(true, ordering: .relaxed)
        let worstGap = await ticker.value

        #expect(took >= Self.slowDetach, "the wrapped losetup did not slow the detaches (\(took)); the test shows nothing")
        #expect(worstGap < Self.slowDetach / 2, "another task stalled for \(worstGap) while two detaches ran (\(took))")
        for name in ["a", "b"] {
            #expect(!((KernelFileReader.text("/proc/mounts") ?? "").contains("\(dir)/\(name) ")), "\(dir)/\(name) is still mounted")
        }
    }
}
