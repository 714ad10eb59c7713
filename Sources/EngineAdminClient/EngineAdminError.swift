#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an admin call failed, written for the operator.
public enum EngineAdminError: Error, Sendable, CustomStringConvertible, Equatable {
    case unreachable(String, String)
    case refused(String)
    case noAnswer(String)
    case malformedAnswer(String, String)

    public var description: String {
        switch self {
        case .unreachable(let path, let why):
            "cannot reach the engine at \(path): \(why)"
        case .refused(let message): message
        case .noAnswer(let path): "the engine at \(path) closed the connection without answering"
        case .malformedAnswer(let path, let text): "the engine at \(path) answered something that is not the admin protocol: \(text)"
        }
    }

    /// The message for a command that named `resource`. The engine starts each refusal with the
    /// resource's name (a command without one runs on every resource, and the operator must see
    /// which refused); when the command line already names it, `tandem adm` drops that repeat:
    /// "tandem adm invalidate r0: r0: r0 is VerifyS …" read as a stutter.
    public func description(forCommandNaming resource: String?) -> String {
        guard case .refused(let message) = self, let resource, message.hasPrefix(resource + ": ") else { return description }
        return String(message.dropFirst(resource.count + 2))
    }

    /// Added where the cause is not one of the cases below: the usual mistake is another folder.
    static let askStateDir = "; is `tandem engine` running with the same --state-dir?"

    /// What a failed `connect` to the admin socket means for the operator. NIO's own text
    /// ("connect(descriptor:addr:size:): No such file or directory (errno: 2)") names a system
    /// call, not the situation; the three common cases each have a different remedy.
    static func whyUnreachable(errno code: Int32) -> String {
        switch code {
        case ENOENT: "no socket there: the engine is not running, or uses another --state-dir"
        case ECONNREFUSED: "nothing listens on it: a socket left by an engine that stopped without cleaning up, or not a socket"
        case EACCES, EPERM: "permission denied: run as the engine's user (root)"
        default: String(cString: strerror(code)) + Self.askStateDir
        }
    }
}
