import BoundedReading
import NIOCore
import ReplicationCore

/// One frame from a peer as the source of a `BoundedReader`: every error names the peer and the
/// message, never a crash or an unbounded allocation.
struct WireFrameSource: ReadFailureDescribing {
    let peer: String
    let what: String
    /// Once known, the frame's type names it in errors. Kept as the type and described only on
    /// failure: interpolating it for every frame went through runtime reflection (dynamic casts,
    /// protocol conformance lookups), about a tenth of a peer's CPU per replicated 4 KiB write.
    var messageType: PeerMessageType?

    func failure(_ reason: String) -> ReplicationWireError {
        let name = messageType.map { "\($0) frame" } ?? what
        return ReplicationWireError(peer: peer, reason: "malformed \(name): \(reason)")
    }
}

/// Reads one frame's body with bounds checks.
typealias WireReader = BoundedReader<WireFrameSource>

extension BoundedReader where Source == WireFrameSource {
    init(buffer: ByteBuffer, peer: String, what: String) {
        self.init(buffer: buffer, source: WireFrameSource(peer: peer, what: what))
    }

    var messageType: PeerMessageType? {
        get { source.messageType }
        set { source.messageType = newValue }
    }
}
