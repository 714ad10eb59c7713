@testable import Engine
import EngineConfig
import Foundation
import ListenerTestSupport
import Logging
import NIOCore
import NIOPosix
import ReplicationCore
import ScratchFolders
import Testing

/// A FLUSH whose local `fdatasync` fails, on a volume with no peer, must be answered with an I/O
/// error: no replica holds the data durably (ReplicationCore scenario `flush_failed_locally`
/// proves the rule; this proves the engine carries the failure from the real syscall to the
/// client). The backing disk is a loop device over a sparse file on a small tmpfs that is then
/// filled: a write still succeeds (it only reaches the loop device's page cache), and writing
/// that page back fails (the loop driver cannot allocate it in the file), so `fdatasync` fails
/// with EIO, as on a disk that died. (Not device-mapper's error target: this kernel has none.)
@Suite("Engine: a failed local flush", .removesScratchFolders)
struct FlushFailureTests {
    /// Why this machine cannot run the test (root, loop devices, mounting a tmpfs), or nil.
    static let skipReason: String? = {
        guard getuid() == 0 else { return "needs root for loop devices and a tmpfs mount" }
        guard FileManager.default.fileExists(atPath: "/dev/loop-control") else { return "no loop driver (/dev/loop-control is missing)" }
        for name in ["losetup", "mount", "umount", "dd", "truncate"] where tool(name) == nil { return "\(name) is not installed" }
        // (Not a ScratchFolder: this runs outside any test's scope.)
        let probe = NSTemporaryDirectory() + "/tandem-flushfail-probe-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else {
            return "cannot make a folder under \(NSTemporaryDirectory())"
        }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard let mounted = try? run(tool("mount")!, ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]), mounted.status == 0 else {
            return "cannot mount a tmpfs here"
        }
        _ = try? run(tool("umount")!, [probe])
        return nil
    }()

    static func tool(_ name: String) -> String? {
        ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a tool to its end; its exit status and output (stdout and stderr together).
    @discardableResult
    static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs a tool and throws with its output when it fails.
    static func must(_ tool: String, _ arguments: [String]) throws -> String {
        let out = try run(Self.tool(tool)!, arguments)
        guard out.status == 0 else { throw SetupError("\(tool) \(arguments.joined(separator: " ")): \(out.output)") }
        return out.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func isIOError(_ result: ClientResult) -> Bool {
        if case .failed(let error) = result { return error.code == .io }
        return false
    }

    @Test("a FLUSH whose fdatasync fails, with no peer, is answered with an I/O error",
          .enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
    func failedLocalFlushIsAnIOError() async throws {
        let dir = try ScratchFolder.make("tandem-flushfail-")
        let small = dir + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        _ = try Self.must("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", small])
        var loop: String?
        var runtime: ResourceRuntime?
        do {
            // A 4 MiB sparse file on a 1 MiB filesystem: the volume's blocks are allocated as they
            // are written back.
            _ = try Self.must("truncate", ["-s", "4M", small + "/backing.img"])
            let device = try Self.must("losetup", ["--find", "--show", small + "/backing.img"])
            loop = device
            let text = TestResourceFile.text("solo", disk: device, size: "4MiB", minor: 1002,
                                             on: .init(name: "alpha", id: 0, port: TestPorts.reserve()),
                                             options: "skip-initial-sync yes;")
            let config = try ResourceFileParser.parse(text, file: "solo.res")
            let started = ResourceRuntime(config: config, layout: EngineStateLayout(stateDirectory: dir),
                                          group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test")) {}
            runtime = started
            try await started.start()
            #expect(await started.admin(0, .primary(force: true)) == .done)

            // While the filesystem has room, a write and its FLUSH succeed (what fails below is
            // the disk, not the request).
            #expect(await started.submit(0, .write(ByteBuffer(repeating: 1, count: 4096)), offset: 0, length: 4096, fua: false) == .done)
            #expect(await started.submit(0, .flush, offset: 0, length: 0, fua: false) == .done)

            // The disk runs out: nothing more can be allocated under the loop device.
            _ = try? Self.run(Self.tool("dd")!, ["if=/dev/zero", "of=\(small)/filler", "bs=4k"])

            // A buffered write only reaches the page cache: it succeeds. Its FLUSH cannot.
            #expect(await started.submit(0, .write(ByteBuffer(repeating: 2, count: 4096)), offset: 2 << 20, length: 4096, fua: false) == .done)
            let flushed = await started.submit(0, .flush, offset: 0, length: 0, fua: false)
            #expect(Self.isIOError(flushed), "the FLUSH reached no stable storage, yet was answered \(flushed)")
            // As after a failed write, the disk is detached (DRBD's on-io-error detach).
            let disk = await started.report(nbdSocketPath: nil).volumes.first?.disk
            #expect(disk != "UpToDate", "the failed disk is still UpToDate")
        } catch {
            Issue.record("setup failed: \(error)")
        }
        await runtime?.stop()
        runtime = nil  // its backing store closes the loop device
        if let loop { _ = try? Self.run(Self.tool("losetup")!, ["--detach", loop]) }
        // The loop device lets go of its file once nothing holds it open: until then the
        // filesystem is busy. Lazily at last, so that the folder can go.
        for _ in 0 ..< 20 {
            if (try? Self.run(Self.tool("umount")!, [small]))?.status == 0 { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
        _ = try? Self.run(Self.tool("umount")!, ["--lazy", small])
    }
}
