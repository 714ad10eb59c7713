import DescriptorIO
import Foundation
import Glibc

/// What a `tandem adm attach` killed with SIGKILL leaves behind: its FUSE mount (dead: every
/// access fails with "Transport endpoint is not connected") and the loop device on
/// `<mountpoint>/device`. A new attach on the same mountpoint clears that first, but only while
/// nothing is mounted on the loop device; it never unmounts a file system.
enum StaleAttachment {
    struct Refusal: Error, CustomStringConvertible { let description: String }

    /// Returns what was cleaned (empty when the mountpoint was not a leftover); throws when the
    /// mountpoint is in use by a live attach or its loop device is still mounted.
    static func clear(mountpoint: String) throws -> [String] {
        let path = (mountpoint as NSString).standardizingPath
        let mounts = KernelFileReader.text("/proc/mounts") ?? ""
        let entries = mounts.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.filter { $0.count >= 3 }
        guard entries.contains(where: { unescape($0[1]) == path && $0[2].hasPrefix("fuse") }) else { return [] }
        // A live FUSE mount lists its one file; a dead one fails with ENOTCONN (stat of the root
        // alone may still succeed from cached attributes).
        if let dir = opendir(path) {
            closedir(dir)
            throw Refusal(description: "\(path) is the FUSE mount of a running attach; detach that one first (SIGTERM to its process)")
        }
        guard errno == ENOTCONN else { return [] }
        var done: [String] = []
        for loop in loopDevices(backedBy: path + "/device") {
            if let at = entries.first(where: { $0[0] == loop }).map({ unescape($0[1]) }) {
                throw Refusal(description: "\(loop) (left by an attach process that died) is still mounted at \(at); unmount it, then attach again")
            }
            guard run("/sbin/losetup", ["-d", loop]) else { throw Refusal(description: "losetup -d \(loop) failed; detach it by hand") }
            done.append("detached the leftover \(loop)")
        }
        guard run("/bin/umount", ["-l", path]) else { throw Refusal(description: "umount -l \(path) failed; remove the dead FUSE mount by hand") }
        done.append("removed the dead FUSE mount at \(path)")
        return done
    }

    /// /dev/loopN whose backing file is `file` (from sysfs).
    static func loopDevices(backedBy file: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []
        return names.filter { $0.hasPrefix("loop") }.sorted().compactMap { name in
            guard let backing = try? String(contentsOfFile: "/sys/block/\(name)/loop/backing_file", encoding: .utf8) else { return nil }
            return backing.trimmingCharacters(in: .whitespacesAndNewlines) == file ? "/dev/\(name)" : nil
        }
    }

    /// /proc/mounts escapes spaces and the like as octal (`\040`).
    static func unescape(_ field: String) -> String {
        var out = "", chars = Array(field), i = 0
        while i < chars.count {
            if chars[i] == "\\", i + 3 < chars.count, let code = UInt8(String(chars[(i + 1)...(i + 3)]), radix: 8) {
                out.append(Character(UnicodeScalar(code))); i += 4
            } else { out.append(chars[i]); i += 1 }
        }
        return out
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: tool) ? tool : "/usr" + tool)
        process.arguments = arguments
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
