import NBDProtocol
import NIOCore

/// Size and features of an export, as NBD_OPT_INFO and NBD_OPT_LIST report them.
public struct NBDExportDescription: Sendable, Hashable {
    public var size: UInt64
    public var features: NBDExportFeatures
    /// Free text shown by `nbdinfo --list` (NBD_INFO_DESCRIPTION / NBD_REP_SERVER).
    public var text: String

    public init(size: UInt64, features: NBDExportFeatures, text: String = "") {
        self.size = size
        self.features = features
        self.text = text
    }
}

/// Who opens an export (for logs and for refusal messages).
public struct NBDClientIdentity: Sendable, Hashable, CustomStringConvertible {
    public var remoteAddress: String
    public init(remoteAddress: String) { self.remoteAddress = remoteAddress }
    public var description: String { remoteAddress }
}

/// A named export in the registry. `open` is called once per client connection that selects it
/// (NBD_OPT_GO or NBD_OPT_EXPORT_NAME); `describe` answers NBD_OPT_INFO and LIST without opening.
public protocol NBDExportSource: Sendable {
    func describe() async throws -> NBDExportDescription
    /// Throw `NBDOpenRefusal` to refuse with a reason the client sees (NBD_REP_ERR_POLICY with
    /// the message for GO; for the old EXPORT_NAME the connection is closed, as the spec demands).
    /// Return an export without `.readOnly` only if this connection may write: this is where the
    /// engine refuses a writer on a second node.
    func open(for client: NBDClientIdentity) async throws -> any NBDExport
}

/// An export refused to open, with the reason to tell the client.
public struct NBDOpenRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Not allowed now (e.g. another node is Primary): NBD_REP_ERR_POLICY.
        case policy
        /// The export cannot serve (e.g. its backing disk failed): NBD_REP_ERR_PLATFORM.
        case unavailable
        /// The server or export is shutting down: NBD_REP_ERR_SHUTDOWN.
        case shuttingDown
    }
    public var kind: Kind
    public var reason: String
    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }
    public var description: String { reason }

    var replyType: NBDOptionReplyType {
        switch kind {
        case .policy: .errPolicy
        case .unavailable: .errPlatform
        case .shuttingDown: .errShutdown
        }
    }
}

