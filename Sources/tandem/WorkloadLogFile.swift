#if canImport(Glibc)
import Glibc
#endif
import DescriptorIO
import Foundation
import Workload

/// The workload's log on disk: opened for appending, every record written with O_DSYNC so it is
/// durable when `append` returns (a kill -9 of the workload loses no acknowledged write).
final class WorkloadLogFile {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_DSYNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CommandFailure(message: "cannot open the workload log \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func append(_ text: String) throws {
        do { try DescriptorWriter.writeAll(text, to: fd) } catch {
            throw CommandFailure(message: "cannot write the workload log \(path): \(error)")
        }
    }

    /// The log at `path`, or nil when there is none yet (missing or empty file).
    static func read(_ path: String) throws -> WorkloadLog? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(message: "cannot read the workload log \(path)")
        }
        if data.isEmpty { return nil }
        do {
            return try WorkloadLog.parse(String(decoding: data, as: UTF8.self), name: path)
        } catch {
            throw CommandFailure(message: "\(error)")
        }
    }
}
