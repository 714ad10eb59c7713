import NIOCore

/// A request the server's state machine has validated against the export: in range, within the
/// payload limit, only with flags the export advertised. The server passes it to the export as is.
public enum NBDCommand: Sendable, Hashable {
    case read(cookie: UInt64, offset: UInt64, length: Int)
    case write(cookie: UInt64, offset: UInt64, data: ByteBuffer, fua: Bool)
    case flush(cookie: UInt64)
    case trim(cookie: UInt64, offset: UInt64, length: Int, fua: Bool)
    case writeZeroes(cookie: UInt64, offset: UInt64, length: Int, fua: Bool, mayPunchHoles: Bool)

    public var cookie: UInt64 {
        switch self {
        case let .read(cookie, _, _), let .write(cookie, _, _, _), let .flush(cookie),
             let .trim(cookie, _, _, _), let .writeZeroes(cookie, _, _, _, _):
            cookie
        }
    }

    public var isRead: Bool {
        if case .read = self { return true }
        return false
    }
}
