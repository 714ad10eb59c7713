import EngineAdminClient
import Glibc
import Testing

/// `tandem adm` with no engine behind the socket must say which of the usual situations it is,
/// since each has another remedy (start the engine or fix --state-dir; remove a stale socket;
/// run as root). NIO's own error text names a system call instead.
@Suite("Admin client: an unreachable engine is explained")
struct UnreachableEngineTests {
    private func folder() throws -> String {
        var template = Array("/tmp/tandem-adm-unreachable-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure("mkdtemp failed: errno \(errno)") }
        return String(cString: made)
    }

    private func error(of client: EngineAdminClient) async -> EngineAdminError? {
        do { _ = try await client.status(); return nil } catch let error as EngineAdminError { return error } catch { return nil }
    }

    @Test("no socket file: the engine is not running or uses another state folder")
    func noSocket() async throws {
        let dir = try folder()
        defer { rmdir(dir) }
        let path = dir + "/admin.sock"
        let failure = await error(of: EngineAdminClient(socketPath: path))
        #expect(failure == .unreachable(path, "no socket there: the engine is not running, or uses another --state-dir"))
        #expect(failure?.description == "cannot reach the engine at \(path): no socket there: the engine is not running, or uses another --state-dir")
    }

    @Test("a socket nobody listens on, as a killed engine leaves it: said so")
    func staleSocket() async throws {
        let dir = try folder()
        let path = dir + "/admin.sock"
        defer { unlink(path); rmdir(dir) }
        // Bound and closed without listening: the file stays, connect is refused.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        try #require(bound == 0)
        let failure = await error(of: EngineAdminClient(socketPath: path))
        #expect(failure == .unreachable(path, "nothing listens on it: a socket left by an engine that stopped without cleaning up, or not a socket"))
    }

    private struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
