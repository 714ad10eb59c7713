import NIOCore
import ReplicationCore

/// Decodes frame bodies into `PeerMessage`s. Every count is checked against the bytes left and
/// a named maximum before anything is allocated; unknown types and enum values are errors.
public enum PeerMessageCodec {
    /// Wire order of roles and disk states. Append only: the index is the wire value.
    static let roles: [Role] = [.unknown, .primary, .secondary]
    static let disks: [DiskState] = [.diskless, .attaching, .detaching, .failed, .negotiating, .inconsistent,
                                     .outdated, .dUnknown, .consistent, .upToDate]
    /// Wire codes of the replication protocols: DRBD's numbers (A 1, B 2, C 3), so that a
    /// protocol B would take 2.
    static func replicationProtocolCode(_ p: ReplicationProtocol) -> UInt8 {
        switch p {
        case .a: return 1
        case .c: return 3
        }
    }
    static let textBytesMax = 1024
    static let nodesMax = 32
    static let hotExtentsMax = 65536

    /// Decodes one frame body (type byte first). `payloadBytesMax` bounds data payloads.
    static func decode(_ body: ByteBuffer, peer: String, payloadBytesMax: Int) throws(ReplicationWireError) -> PeerMessage {
        var r = WireReader(buffer: body, peer: peer, what: "frame")
        let code = try r.u8()
        guard let type = PeerMessageType(rawValue: code) else {
            throw ReplicationWireError(peer: peer, reason: "unknown frame type \(code)")
        }
        r.messageType = type
        let message = try decodeBody(type, &r, payloadBytesMax: payloadBytesMax)
        try r.finish()
        return message
    }

    private static func decodeBody(_ type: PeerMessageType, _ r: inout WireReader, payloadBytesMax: Int) throws(ReplicationWireError) -> PeerMessage {
        switch type {
        case .handshake:
            var handshake = Handshake(
                protocolVersion: try r.u16(), nodeID: try node(&r), volume: try r.u16(), sizeBytes: try r.u64(),
                bitmapBlockBytes: try r.u32(), role: try role(&r), disk: try disk(&r),
                generations: try generationSet(&r), flags: HandshakeFlags(rawValue: try r.u32()),
                outOfSyncBlocks: try r.u64(), crashMarkedBlocks: try r.u64(), hasQuorum: try r.bool(), lastWriteSequence: try r.u64(),
                replicationProtocol: try replicationProtocol(&r))
            let superseded = try r.count(elementBytes: 8, max: GenerationSet.historyMax)
            for _ in 0..<superseded { handshake.supersededGenerations.append(Generation(try r.u64())) }
            return .handshake(handshake)
        case .stateChange:
            return .stateChange(PeerStateReport(role: try role(&r), disk: try disk(&r), current: Generation(try r.u64()),
                                                hasQuorum: try r.bool(), outdatedByQuorumLoss: try r.bool()))
        case .newGeneration:
            let current = Generation(try r.u64()), previous = Generation(try r.u64())
            let n = try r.count(elementBytes: 1, max: nodesMax)
            var absent: [NodeID] = []
            for _ in 0..<n { absent.append(try node(&r)) }
            return .newGeneration(GenerationAnnouncement(current: current, previous: previous, absentNodes: absent))
        case .write:
            let sequence = try r.u64()
            let kindCode = try r.u8()
            guard let kind = WriteKind(rawValue: kindCode) else { throw r.fail("write kind \(kindCode)") }
            let offset = try r.u64(), length = try r.u32(), fua = try r.bool(), wantsAck = try r.bool(), notTo = try r.u32()
            let peerAckedBelow = try r.u64()
            let data = try payloadSlice(&r, max: payloadBytesMax)
            guard kind != .data || data.readableBytes == Int(length) else { throw r.fail("data of \(data.readableBytes) bytes for a \(length)-byte write") }
            guard kind == .data || data.readableBytes == 0 else { throw r.fail("a \(kind) write carries data") }
            return .write(ReplicatedWrite(sequence: sequence, kind: kind, offsetBytes: offset, lengthBytes: length,
                                          data: data, fua: fua, wantsAck: wantsAck, notReplicatedTo: notTo,
                                          peerAckedBelow: peerAckedBelow))
        case .writeAck:
            let sequence = try r.u64(), success = try r.bool(), count = try r.u32()
            guard count >= 1, count <= WriteAck.countMax else { throw r.fail("write ack for \(count) writes (1 to \(WriteAck.countMax))") }
            guard sequence <= UInt64.max - UInt64(count - 1) else { throw r.fail("write ack for \(count) writes from \(sequence) runs past the last sequence number") }
            return .writeAck(WriteAck(sequence: sequence, success: success, count: count))
        case .flush: return .flush(FlushRequest(number: try r.u64()))
        case .flushAck: return .flushAck(FlushAck(number: try r.u64(), success: try r.bool()))
        case .bitmap:
            let first = try r.u64(), isLast = try r.bool()
            let n = try r.count(elementBytes: 8, max: BitmapChunk.wordsMax)
            var words: [UInt64] = []
            words.reserveCapacity(n)
            for _ in 0..<n { words.append(try r.u64()) }
            return .bitmap(BitmapChunk(firstWord: first, words: words, isLast: isLast))
        case .outOfSync: return .outOfSync(OutOfSyncRange(offsetBytes: try r.u64(), lengthBytes: try r.u64(), node: try node(&r)))
        case .resyncRequest:
            let id = try r.u64(), offset = try r.u64(), length = try r.u32()
            let hasWriter = try r.bool(), writer = try node(&r), sequence = try r.u64()
            return .resyncRequest(ResyncRequest(id: id, offsetBytes: offset, lengthBytes: length,
                                                writer: hasWriter ? writer : nil, writerSequence: sequence))
        case .resyncReply:
            let id = try r.u64(), offset = try r.u64(), length = try r.u32(), status = try replyStatus(&r)
            // At most one word per 64 blocks of the range, at the smallest block a configuration
            // takes: the codec does not know this link's block size, so this bounds the
            // allocation only; the receiver checks the exact count and the bits against its own
            // block size (`thirdNodeWordsRefusal`).
            let wordBytes = Int(ReplicaConfig.bitmapBlockBytesMin) * 64  // the bytes one word covers
            let wordsMax = (Int(length) + wordBytes - 1) / wordBytes
            // The missed writes' blocks, then the crash-only ones (protocol 24), one list each.
            var lists: [[PeerBlocks]] = []
            for _ in 0..<2 {
                var toward: [PeerBlocks] = []
                for _ in 0..<(try r.count(elementBytes: 5, max: nodesMax)) {
                    let node = try node(&r)
                    let words = try r.u64s(try r.count(elementBytes: 8, max: wordsMax))
                    toward.append(PeerBlocks(node: node, words: words))
                }
                lists.append(toward)
            }
            let data = try payloadSlice(&r, max: payloadBytesMax)
            return .resyncReply(ResyncReply(id: id, offsetBytes: offset, lengthBytes: length, status: status, data: data,
                                            outOfSyncToward: lists[0], crashOnlyToward: lists[1]))
        case .resyncFinished: return .resyncFinished(ResyncFinished(generations: try generationSet(&r)))
        case .verifyRequest:
            return .verifyRequest(VerifyRequest(id: try r.u64(), offsetBytes: try r.u64(), lengthBytes: try r.u32(), digest: try r.u64()))
        case .verifyReply:
            return .verifyReply(VerifyReply(id: try r.u64(), offsetBytes: try r.u64(), lengthBytes: try r.u32(), inSync: try r.bool()))
        case .readRequest: return .readRequest(RemoteReadRequest(id: try r.u64(), offsetBytes: try r.u64(), lengthBytes: try r.u32()))
        case .readReply:
            let id = try r.u64(), status = try replyStatus(&r)
            return .readReply(RemoteReadReply(id: id, status: status, data: try payload(&r, max: payloadBytesMax)))
        case .promotionRequest: return .promotionRequest(PromotionRequest(id: try r.u64(), dataGeneration: Generation(try r.u64())))
        case .promotionReply:
            return .promotionReply(PromotionReply(id: try r.u64(), granted: try r.bool(), reason: try r.string(max: textBytesMax)))
        case .writerLost:
            let writer = try node(&r), last = try r.u64(), streamStart = try r.u64()
            let withdrawn = try r.bool(), answer = try r.bool()
            let n = try r.count(elementBytes: 4, max: hotExtentsMax)
            var extents: [UInt32] = []
            extents.reserveCapacity(n)
            for _ in 0..<n { extents.append(try r.u32()) }
            return .writerLost(WriterLost(writer: writer, lastSequence: last, hotExtents: extents, streamStart: streamStart,
                                          withdrawn: withdrawn, answer: answer))
        case .lostWriterTail:
            let writer = try node(&r), sequence = try r.u64(), kindCode = try r.u8()
            guard let kind = WriteKind(rawValue: kindCode), kind != .trim else { throw r.fail("lost-tail kind \(kindCode)") }
            let offset = try r.u64(), length = try r.u32()
            let data = try payloadSlice(&r, max: payloadBytesMax)
            guard kind == .data ? data.readableBytes == Int(length) : data.readableBytes == 0 else {
                throw r.fail("data of \(data.readableBytes) bytes for a \(length)-byte \(kind) lost-tail write")
            }
            return .lostWriterTail(LostWriterTail(writer: writer, sequence: sequence, kind: kind, offsetBytes: offset,
                                                  lengthBytes: length, data: data))
        case .lostWriterTailAck:
            return .lostWriterTailAck(LostWriterTailAck(writer: try node(&r), sequence: try r.u64(), applied: try r.bool()))
        case .goodbye: return .goodbye(Goodbye(outdated: try r.bool()))
        case .ping: return .ping(try r.u64())
        case .pingAck: return .pingAck(try r.u64())
        }
    }

    private static func payload(_ r: inout WireReader, max: Int) throws(ReplicationWireError) -> [UInt8] {
        let n = try r.count(elementBytes: 1, max: max)
        return try r.bytes(n)
    }

    /// A payload that goes on to the disk: a slice of the frame rather than a copy.
    private static func payloadSlice(_ r: inout WireReader, max: Int) throws(ReplicationWireError) -> ByteBuffer {
        let n = try r.count(elementBytes: 1, max: max)
        return try r.slice(n)
    }

    private static func node(_ r: inout WireReader) throws(ReplicationWireError) -> NodeID {
        let v = try r.u8()
        guard v < ReplicaConfig.nodeIDLimit else { throw r.fail("node id \(v) out of range") }
        return NodeID(v)
    }

    private static func role(_ r: inout WireReader) throws(ReplicationWireError) -> Role {
        let v = Int(try r.u8())
        guard v < roles.count else { throw r.fail("role \(v)") }
        return roles[v]
    }

    private static func disk(_ r: inout WireReader) throws(ReplicationWireError) -> DiskState {
        let v = Int(try r.u8())
        guard v < disks.count else { throw r.fail("disk state \(v)") }
        return disks[v]
    }

    private static func replicationProtocol(_ r: inout WireReader) throws(ReplicationWireError) -> ReplicationProtocol {
        let v = try r.u8()
        guard let p = ReplicationProtocol.allCases.first(where: { replicationProtocolCode($0) == v }) else {
            throw r.fail("replication protocol \(v)")
        }
        return p
    }

    private static func replyStatus(_ r: inout WireReader) throws(ReplicationWireError) -> ReplyStatus {
        let v = try r.u8()
        guard let s = ReplyStatus(rawValue: v) else { throw r.fail("reply status \(v)") }
        return s
    }

    private static func generationSet(_ r: inout WireReader) throws(ReplicationWireError) -> GenerationSet {
        let current = Generation(try r.u64())
        let slots = try r.count(elementBytes: 9, max: nodesMax)
        var bitmap: [PeerGeneration] = []
        for _ in 0..<slots { bitmap.append(PeerGeneration(nodeID: try node(&r), generation: Generation(try r.u64()))) }
        let historyCount = try r.count(elementBytes: 8, max: GenerationSet.historyMax)
        var history: [Generation] = []
        for _ in 0..<historyCount { history.append(Generation(try r.u64())) }
        return GenerationSet(current: current, bitmap: bitmap, history: history)
    }
}
