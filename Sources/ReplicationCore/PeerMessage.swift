/// Every message two engines exchange for one replicated volume. The wire codec (ReplicationWire)
/// frames these; payloads are plain integers, booleans, byte arrays, strings and enums with raw
/// values, so each one has an obvious encoding. Messages toward one peer must be delivered in the
/// order the core emitted them (one ordered stream per connection, like DRBD's data socket).
///
/// DRBD packet each case stands for is named in its doc comment.
public enum PeerMessage: Sendable, Equatable {
    /// First message on a new connection, both directions (P_PROTOCOL + P_UUIDS110 + P_SIZES +
    /// P_STATE in one): identity, size, generations, flags. Nothing else is sent before it.
    case handshake(Handshake)
    /// Role/disk/quorum changed on the sender (P_STATE).
    case stateChange(PeerStateReport)
    /// The sender (Primary) started a new current generation; receivers adopt it before applying
    /// any later write (P_UUIDS on new-current-uuid).
    case newGeneration(GenerationAnnouncement)
    /// Application write (or trim / write-zeroes) replicated from the writer (P_DATA, P_TRIM,
    /// P_ZEROES).
    case write(ReplicatedWrite)
    /// Write completed (or failed) on the receiver's disk (P_WRITE_ACK / P_NEG_ACK).
    case writeAck(WriteAck)
    /// Barrier / flush: make every write received before this durable, then answer (P_BARRIER).
    case flush(FlushRequest)
    /// Answer to `flush` (P_BARRIER_ACK).
    case flushAck(FlushAck)
    /// Out-of-sync bitmap exchange after the handshake (P_BITMAP / P_COMPRESSED_BITMAP).
    case bitmap(BitmapChunk)
    /// Mark a range out of sync toward `node` (P_OUT_OF_SYNC).
    case outOfSync(OutOfSyncRange)
    /// SyncTarget asks for one block range (P_RS_DATA_REQUEST).
    case resyncRequest(ResyncRequest)
    /// SyncSource answers with the data (P_RS_DATA_REPLY / P_RS_DEALLOCATED / P_NEG_RS_DREPLY).
    case resyncReply(ResyncReply)
    /// SyncSource finished: target adopts these generations and becomes UpToDate (P_SYNC_UUID +
    /// completion).
    case resyncFinished(ResyncFinished)
    /// Online verify: digest of the source's block (P_OV_REQUEST with digest).
    case verifyRequest(VerifyRequest)
    /// Online verify: target's comparison result (P_OV_RESULT).
    case verifyReply(VerifyReply)
    /// Read through a peer (diskless node, or local disk not UpToDate) (P_DATA_REQUEST).
    case readRequest(RemoteReadRequest)
    /// Data for a `readRequest` (P_DATA_REPLY / P_NEG_DREPLY).
    case readReply(RemoteReadReply)
    /// Cluster-wide promotion, phase 1: may I become Primary? (P_TWOPC_PREPARE)
    case promotionRequest(PromotionRequest)
    /// Answer to `promotionRequest` (P_TWOPC_YES / P_TWOPC_NO).
    case promotionReply(PromotionReply)
    /// A Secondary lost the Primary: reconcile the survivors' in-flight writes.
    case writerLost(WriterLost)
    /// A resync target's copy of a lost protocol A writer's write that its source may lack: the
    /// source writes it if its own tail of the writer's stream ends before it. No DRBD packet:
    /// DRBD resyncs the lost Primary's extents from the source and loses such a write.
    case lostWriterTail(LostWriterTail)
    /// Answer to `lostWriterTail`, once the write is on the source's disk or refused.
    case lostWriterTailAck(LostWriterTailAck)
    /// The sender leaves gracefully (down/disconnect/detach): it is now Outdated for quorum
    /// purposes and will not write (P_STATE with outdated + disconnect).
    case goodbye(Goodbye)
    /// Keep-alive (P_PING / P_PING_ACK). The payload is echoed.
    case ping(UInt64)
    case pingAck(UInt64)
}

extension PeerMessage {
    /// Short name for logs and golden scenario output.
    public var name: String {
        switch self {
        case .handshake: return "handshake"
        case .stateChange: return "state"
        case .newGeneration: return "new-generation"
        case .write: return "write"
        case .writeAck: return "write-ack"
        case .flush: return "flush"
        case .flushAck: return "flush-ack"
        case .bitmap: return "bitmap"
        case .outOfSync: return "out-of-sync"
        case .resyncRequest: return "rs-request"
        case .resyncReply: return "rs-reply"
        case .resyncFinished: return "rs-finished"
        case .verifyRequest: return "ov-request"
        case .verifyReply: return "ov-reply"
        case .readRequest: return "read-request"
        case .readReply: return "read-reply"
        case .promotionRequest: return "promote-request"
        case .promotionReply: return "promote-reply"
        case .writerLost: return "writer-lost"
        case .lostWriterTail: return "lost-tail"
        case .lostWriterTailAck: return "lost-tail-ack"
        case .goodbye: return "goodbye"
        case .ping: return "ping"
        case .pingAck: return "ping-ack"
        }
    }
}
