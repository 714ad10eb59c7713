import Foundation

/// A loop device (util-linux `losetup`) over a file, with direct I/O so the loop driver submits
/// requests asynchronously and no page cache sits between the loop device and the file.
public struct LoopDevice: Sendable, Hashable {
    public let path: String
    /// The losetup that attached the device, which also detaches it.
    public let tool: String

    /// util-linux's losetup, wherever this distribution keeps it.
    public static var defaultTool: String {
        FileManager.default.isExecutableFile(atPath: "/sbin/losetup") ? "/sbin/losetup" : "/usr/sbin/losetup"
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Attaches `file` to the first free loop device and returns it. Blocks for the losetup run:
    /// call it off the cooperative pool (BlockingWork).
    public static func attach(file: String, readOnly: Bool, tool: String = defaultTool) throws -> LoopDevice {
        var arguments = ["--find", "--show", "--direct-io=on"]
        if readOnly { arguments.append("--read-only") }
        arguments.append(file)
        let output = try run(tool, arguments, what: "attach \(file) to a loop device")
        let path = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard path.hasPrefix("/dev/loop") else {
            throw Failure(description: "losetup attached \(file) but printed \"\(path)\" instead of a device path")
        }
        return LoopDevice(path: path, tool: tool)
    }

    /// Detaches the device. Refuses while something holds it open exclusively (a mounted file
    /// system): detaching then would only mark it for auto-clear and hide the problem. Blocks
    /// for the losetup run: call it off the cooperative pool (BlockingWork).
    public func detach() throws {
        let fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC)
        if fd < 0 && errno == EBUSY {
            throw Failure(description: "\(path) is in use (mounted or opened exclusively); unmount it first")
        }
        if fd >= 0 { close(fd) }
        _ = try Self.run(tool, ["--detach", path], what: "detach \(path)")
    }

    /// The file behind the device, or nil if it is not attached (from sysfs).
    public var backingFile: String? {
        let name = (path as NSString).lastPathComponent
        guard let text = try? String(contentsOfFile: "/sys/block/\(name)/loop/backing_file", encoding: .utf8) else { return nil }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether the kernel reports direct I/O on for this device.
    public var usesDirectIO: Bool {
        let name = (path as NSString).lastPathComponent
        return (try? String(contentsOfFile: "/sys/block/\(name)/loop/dio", encoding: .utf8))?.hasPrefix("1") ?? false
    }

    static func run(_ tool: String, _ arguments: [String], what: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot \(what): losetup (util-linux) cannot be run: \(error)")
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(description: "cannot \(what): losetup \(arguments.joined(separator: " ")) failed: \(message)")
        }
        return String(decoding: out, as: UTF8.self)
    }
}
