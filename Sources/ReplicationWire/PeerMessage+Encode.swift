import NIOCore
import ReplicationCore

/// Frame type codes. Never renumber: a code is part of the protocol version.
enum PeerMessageType: UInt8 {
    case handshake = 1, stateChange, newGeneration, write, writeAck, flush, flushAck, bitmap, outOfSync
    case resyncRequest, resyncReply, resyncFinished, verifyRequest, verifyReply, readRequest, readReply
    case promotionRequest, promotionReply, writerLost, goodbye, ping, pingAck
    case lostWriterTail, lostWriterTailAck
}

extension ByteBuffer {
    /// Writes one frame: body length u32 (type byte included) · type u8 · body.
    public mutating func writeReplicationFrame(_ message: PeerMessage) {
        let lengthIndex = writerIndex
        writeInteger(UInt32(0))
        let start = writerIndex
        _ = writePeerMessageBody(message, payloadBytesInlineMax: .max)
        setInteger(UInt32(writerIndex - start), at: lengthIndex)
    }

    /// Writes one frame like `writeReplicationFrame`, except a write's or resync reply's data of
    /// more than `payloadBytesInlineMax` bytes, which it returns instead: the caller sends it
    /// right after these bytes (the frame's length already counts it), so a payload goes from
    /// the client's request to the socket without a copy.
    public mutating func writeReplicationFrame(_ message: PeerMessage, payloadBytesInlineMax: Int) -> ByteBuffer? {
        let lengthIndex = writerIndex
        writeInteger(UInt32(0))
        let start = writerIndex
        let payload = writePeerMessageBody(message, payloadBytesInlineMax: payloadBytesInlineMax)
        setInteger(UInt32(writerIndex - start + (payload?.readableBytes ?? 0)), at: lengthIndex)
        return payload
    }

    /// Writes the body; returns the bulk payload it left out (see above), if any.
    mutating func writePeerMessageBody(_ message: PeerMessage, payloadBytesInlineMax: Int) -> ByteBuffer? {
        switch message {
        case .handshake(let h):
            writeInteger(PeerMessageType.handshake.rawValue)
            writeInteger(h.protocolVersion); writeInteger(h.nodeID.rawValue); writeInteger(h.volume)
            writeInteger(h.sizeBytes); writeInteger(h.bitmapBlockBytes)
            writeWireRole(h.role); writeWireDisk(h.disk); writeGenerationSet(h.generations)
            writeInteger(h.flags.rawValue); writeInteger(h.outOfSyncBlocks); writeInteger(h.crashMarkedBlocks)
            writeWireBool(h.hasQuorum)
            writeInteger(h.lastWriteSequence)
            writeInteger(PeerMessageCodec.replicationProtocolCode(h.replicationProtocol))
            writeInteger(UInt32(h.supersededGenerations.count)); for g in h.supersededGenerations { writeInteger(g.rawValue) }
        case .stateChange(let s):
            writeInteger(PeerMessageType.stateChange.rawValue)
            writeWireRole(s.role); writeWireDisk(s.disk); writeInteger(s.current.rawValue); writeWireBool(s.hasQuorum)
            writeWireBool(s.outdatedByQuorumLoss)
        case .newGeneration(let g):
            writeInteger(PeerMessageType.newGeneration.rawValue)
            writeInteger(g.current.rawValue); writeInteger(g.previous.rawValue)
            writeInteger(UInt32(g.absentNodes.count)); for n in g.absentNodes { writeInteger(n.rawValue) }
        case .write(let w):
            writeInteger(PeerMessageType.write.rawValue)
            writeInteger(w.sequence); writeInteger(w.kind.rawValue); writeInteger(w.offsetBytes)
            writeInteger(w.lengthBytes); writeWireBool(w.fua); writeWireBool(w.wantsAck); writeInteger(w.notReplicatedTo)
            writeInteger(w.peerAckedBelow)
            return writeWirePayload(w.data, inlineMax: payloadBytesInlineMax)
        case .writeAck(let a):
            writeInteger(PeerMessageType.writeAck.rawValue); writeInteger(a.sequence); writeWireBool(a.success)
            writeInteger(a.count)
        case .flush(let f):
            writeInteger(PeerMessageType.flush.rawValue); writeInteger(f.number)
        case .flushAck(let f):
            writeInteger(PeerMessageType.flushAck.rawValue); writeInteger(f.number); writeWireBool(f.success)
        case .bitmap(let b):
            writeInteger(PeerMessageType.bitmap.rawValue)
            writeInteger(b.firstWord); writeWireBool(b.isLast)
            writeInteger(UInt32(b.words.count)); for w in b.words { writeInteger(w) }
        case .outOfSync(let r):
            writeInteger(PeerMessageType.outOfSync.rawValue); writeInteger(r.offsetBytes); writeInteger(r.lengthBytes)
            writeInteger(r.node.rawValue)
        case .resyncRequest(let r):
            writeInteger(PeerMessageType.resyncRequest.rawValue)
            writeInteger(r.id); writeInteger(r.offsetBytes); writeInteger(r.lengthBytes)
            writeWireBool(r.writer != nil); writeInteger(r.writer?.rawValue ?? 0); writeInteger(r.writerSequence)
        case .resyncReply(let r):
            writeInteger(PeerMessageType.resyncReply.rawValue)
            writeInteger(r.id); writeInteger(r.offsetBytes); writeInteger(r.lengthBytes); writeInteger(r.status.rawValue)
            for list in [r.outOfSyncToward, r.crashOnlyToward] {
                writeInteger(UInt32(list.count))
                for peer in list {
                    writeInteger(peer.node.rawValue)
                    writeInteger(UInt32(peer.words.count)); for w in peer.words { writeInteger(w) }
                }
            }
            return writeWirePayload(r.data, inlineMax: payloadBytesInlineMax)
        case .resyncFinished(let r):
            writeInteger(PeerMessageType.resyncFinished.rawValue); writeGenerationSet(r.generations)
        case .verifyRequest(let v):
            writeInteger(PeerMessageType.verifyRequest.rawValue)
            writeInteger(v.id); writeInteger(v.offsetBytes); writeInteger(v.lengthBytes); writeInteger(v.digest)
        case .verifyReply(let v):
            writeInteger(PeerMessageType.verifyReply.rawValue)
            writeInteger(v.id); writeInteger(v.offsetBytes); writeInteger(v.lengthBytes); writeWireBool(v.inSync)
        case .readRequest(let r):
            writeInteger(PeerMessageType.readRequest.rawValue); writeInteger(r.id); writeInteger(r.offsetBytes); writeInteger(r.lengthBytes)
        case .readReply(let r):
            writeInteger(PeerMessageType.readReply.rawValue); writeInteger(r.id); writeInteger(r.status.rawValue)
            writeInteger(UInt32(r.data.count)); writeBytes(r.data)
        case .promotionRequest(let p):
            writeInteger(PeerMessageType.promotionRequest.rawValue); writeInteger(p.id); writeInteger(p.dataGeneration.rawValue)
        case .promotionReply(let p):
            writeInteger(PeerMessageType.promotionReply.rawValue); writeInteger(p.id); writeWireBool(p.granted)
            writeWireString(p.reason)
        case .writerLost(let w):
            writeInteger(PeerMessageType.writerLost.rawValue); writeInteger(w.writer.rawValue); writeInteger(w.lastSequence)
            writeInteger(w.streamStart); writeWireBool(w.withdrawn); writeWireBool(w.answer)
            writeInteger(UInt32(w.hotExtents.count)); for e in w.hotExtents { writeInteger(e) }
        case .lostWriterTail(let t):
            writeInteger(PeerMessageType.lostWriterTail.rawValue); writeInteger(t.writer.rawValue); writeInteger(t.sequence)
            writeInteger(t.kind.rawValue); writeInteger(t.offsetBytes); writeInteger(t.lengthBytes)
            return writeWirePayload(t.data, inlineMax: payloadBytesInlineMax)
        case .lostWriterTailAck(let a):
            writeInteger(PeerMessageType.lostWriterTailAck.rawValue); writeInteger(a.writer.rawValue); writeInteger(a.sequence)
            writeWireBool(a.applied)
        case .goodbye(let g):
            writeInteger(PeerMessageType.goodbye.rawValue); writeWireBool(g.outdated)
        case .ping(let v):
            writeInteger(PeerMessageType.ping.rawValue); writeInteger(v)
        case .pingAck(let v):
            writeInteger(PeerMessageType.pingAck.rawValue); writeInteger(v)
        }
        return nil
    }

    /// A payload's u32 count, then its bytes unless there are more than `inlineMax` of them (the
    /// payload is returned then, for the caller to send after the frame's other bytes).
    private mutating func writeWirePayload(_ data: ByteBuffer, inlineMax: Int) -> ByteBuffer? {
        writeInteger(UInt32(data.readableBytes))
        if data.readableBytes > inlineMax { return data }
        writeImmutableBuffer(data)
        return nil
    }

    mutating func writeWireBool(_ b: Bool) { writeInteger(UInt8(b ? 1 : 0)) }

    /// Text is cut at `PeerMessageCodec.textBytesMax` bytes (on a character boundary).
    mutating func writeWireString(_ s: String) {
        var bytes = Array(s.utf8)
        if bytes.count > PeerMessageCodec.textBytesMax {
            var cut = PeerMessageCodec.textBytesMax
            while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            bytes = Array(bytes[..<cut])
        }
        writeInteger(UInt16(bytes.count)); writeBytes(bytes)
    }

    mutating func writeWireRole(_ role: Role) {
        writeInteger(UInt8(PeerMessageCodec.roles.firstIndex(of: role)!))
    }

    mutating func writeWireDisk(_ disk: DiskState) {
        writeInteger(UInt8(PeerMessageCodec.disks.firstIndex(of: disk)!))
    }

    mutating func writeGenerationSet(_ g: GenerationSet) {
        writeInteger(g.current.rawValue)
        writeInteger(UInt32(g.bitmap.count))
        for slot in g.bitmap { writeInteger(slot.nodeID.rawValue); writeInteger(slot.generation.rawValue) }
        writeInteger(UInt32(g.history.count))
        for h in g.history { writeInteger(h.rawValue) }
    }
}
