import NIOCore

/// Protocol version spoken by this core; a peer with another version is refused at handshake
/// with a clear message (no silent guessing).
/// 3: a write ack covers a run of consecutive writes (`WriteAck.count`).
/// 4: resync replies travel on a second TCP connection per peer (`ReplicationHello.Lane`).
/// 5: a write carries the writer's peer-ack watermark (`ReplicatedWrite.peerAckedBelow`).
/// 6: a writer-lost says where the sender's stream began (`WriterLost.streamStart`).
/// 7: with protocol A a crashed side's bits no longer keep a quorum-loss Outdated peer from
///    being the source at equal generations (`GenerationComparison.equalCurrent`): both ends
///    must plan alike.
/// 8: that stream start decides equal tails, and a writer-lost waits while its receiver still has
///    the writer (`deferWriterLost`, until 12): a 7 peer would decide differently on the same messages.
/// 9: a goodbye says Outdated only when the sender is, on disk (`goodbyeSaysOutdated`): its
///    reader stops counting the sender for quorum, which an 8 peer's goodbye from an UpToDate
///    node made unsound (LastManStandingTests).
/// 10: the handshake says which replication protocol (A/C) the sender uses toward the receiver
///    (`Handshake.replicationProtocol`), and a mismatch is refused: the equal-generation rules
///    read it, and a 9 peer cannot say it.
/// 11: a diskful peer whose current generation is not the one a diskless Primary exposes joins it
///    Outdated (`joinBesideDisklessPrimary`): a 10 Primary would read from it as UpToDate.
/// 12: a writer-lost that arrives while its receiver has the writer is not kept: the receiver's
///    own asks for an answer (`WriterLost.wantsAnswer`, `.answer`); an 11 peer would decide alone
///    on a kept one.
/// 13: when both sides changed since a common generation and exactly one is Inconsistent, the
///    other is the source (`GenerationComparison.compare`): a 12 peer would plan the other way.
/// 14: a handshake says when the sender's disk failed at its current generation and was attached
///    again from its last record (`HandshakeFlags.diskFailed`): it yields at equal generations and
///    in a split brain. And 13's Inconsistent rule holds only where no bitmap covers both sides (a
///    full sync): with the bitmaps it left replicas differing (split_brain_inconsistent_side_bitmap).
/// 15: of two children of one parent, an Inconsistent side whose unconfirmed generation is its
///    whole branch is the target of a full sync, before the other side's flags
///    (`split-brain-*-inconsistent-unconfirmed`): a 14 peer would plan a bitmap resync, or the
///    other direction.
/// 16: a lost-copy probe (a ping with `lostCopyProbeFlag`) is answered only once the receiver's
///    metadata recording everything before it on the stream is durable (`answerPing`): a diskful
///    writer acknowledges a write whose copy was lost only once every possible quorum includes a
///    node that holds it or answered such a probe (`PendingRequest.lostCopyGeneration`). A 15 peer
///    answers on arrival, before the new generation's record could survive its crash.
/// 17: a writer-lost that arrives while its receiver has the writer is kept again, and decided
///    when the receiver loses the writer too; its sender withdraws it when it gets the writer back
///    (`WriterLost.withdrawn`, the bit 12 used for asking): a 16 peer would take the withdrawal
///    for a question.
/// 18: a side whose `generationUnconfirmed` covers only its newest generation (its parent is one
///    the other side does not know) no longer yields on it (`split-brain-*-unconfirmed-generation`,
///    `common-history-*-unconfirmed-generation`): its older generations since the shared one may
///    hold acknowledged writes (UnconfirmedOlderBranchTests). A 17 peer would plan a resync where
///    an 18 peer sees a split brain.
/// 19: under protocol A a resync target whose tail of a lost writer is longer than its source's
///    sends the source the blocks of its extra writes (`lostWriterTail`, `lostWriterTailAck`):
///    an 18 peer knows neither message.
/// 20: the handshake says how many of its bits only the sender's crash set (`crashMarkedBlocks`),
///    and at equal generations a side whose bits record writes the other missed is the source
///    over one whose bits are only its crash's (`equal-*-holds-missed-writes`): a 19 peer would
///    fall through to `equal-lower-node-id` and plan the other direction.
/// 21: a resync reply names the third nodes the source tracks blocks of its range out of sync
///    toward (`ResyncReply.outOfSyncToward`), and the target marks them toward those nodes: it
///    ended its resync in sync with nodes that lacked the source's data (OutdatedPrimaryAckTests).
///    A 20 peer's reply has no such field.
/// 22: the handshake carries the sender's superseded generations (`Handshake.supersededGenerations`)
///    and whether, Inconsistent, it took a newer writer's writes (`HandshakeFlags.tookNewerWrites`);
///    a disk back from its failure record at one of those generations is not the source of such a
///    peer (`*-inconsistent-past-*-failed-disk`): a 21 peer would start that resync.
/// 23: a promotion request carries the generation of the data the requester would expose
///    (`PromotionRequest.dataGeneration`); a voter refuses a diskless requester whose data is at a
///    generation it knows was moved past, and a diskless voter refuses a requester behind its own
///    current (DisklessPromotedPastSupersededTests): a 22 peer sends no such field.
/// 24: a resync reply names the source's crash-only bits toward third nodes apart
///    (`ResyncReply.crashOnlyToward`), and the target sets them as crash-only (CrashOnlyThirdNodeTests,
///    seed 3091); with protocol A a side whose bits are all crash-only no longer takes a quorum-loss
///    Outdated peer's exception away (`equalCurrent`): a 23 peer's reply has no such list, and it
///    would plan the other direction.
public let replicationProtocolVersion: UInt16 = 24

/// Flags carried in the handshake (DRBD uuid_flags).
public struct HandshakeFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The sender restarted without a clean shutdown.
    public static let crashed = HandshakeFlags(rawValue: 1 << 0)
    /// The sender crashed while Primary (DRBD CRASHED_PRIMARY).
    public static let crashedPrimary = HandshakeFlags(rawValue: 1 << 1)
    /// The sender was told `connect --discard-my-data`: it yields in a split brain.
    public static let discardMyData = HandshakeFlags(rawValue: 1 << 2)
    /// The sender's data is not consistent (interrupted resync, failed write, never synced).
    public static let inconsistent = HandshakeFlags(rawValue: 1 << 3)
    /// The sender lost quorum while Primary (DRBD PRIMARY_LOST_QUORUM).
    public static let primaryLostQuorum = HandshakeFlags(rawValue: 1 << 4)
    /// The sender is an intentionally diskless client (DRBD `disk none`).
    public static let disklessClient = HandshakeFlags(rawValue: 1 << 5)
    /// The sender's backing volume is fresh and thin (reads zeros everywhere): initial sync may be
    /// skipped between two such peers.
    public static let freshThin = HandshakeFlags(rawValue: 1 << 6)
    /// The sender is Outdated only because it lost quorum as a Secondary: it has met no newer
    /// peer since. Such a peer may vouch that a returning node is current; see
    /// `returnFromQuorumOutdate`.
    public static let outdatedByQuorumLoss = HandshakeFlags(rawValue: 1 << 7)
    /// The sender, a Secondary, started its current generation as Primary and acknowledged no
    /// write issued in it (`MetadataFlags.generationUnconfirmed`): its changes since the previous
    /// generation were never acknowledged, and it yields in a split brain.
    public static let generationUnconfirmed = HandshakeFlags(rawValue: 1 << 8)
    /// The sender's disk failed at its current generation and was attached again from its last
    /// record (`MetadataFlags.diskFailed`): it may lack writes of that generation.
    public static let diskFailed = HandshakeFlags(rawValue: 1 << 9)
    /// The sender, Inconsistent, wrote a writer's writes while the writer was at another
    /// generation than its own current (a resync target keeps its generation until its resync
    /// ends; `ReplicaInstance.tookNewerWrites` says why "another", not "newer"): a replica still
    /// at a generation the sender knows superseded lacks them (since protocol 22;
    /// `GenerationComparison.knowsSuperseded`).
    public static let tookNewerWrites = HandshakeFlags(rawValue: 1 << 10)
}

/// A bitmap generation slot: the generation `nodeID`'s out-of-sync bitmap tracks changes against.
public struct PeerGeneration: Sendable, Hashable {
    public var nodeID: NodeID
    public var generation: Generation
    public init(nodeID: NodeID, generation: Generation) {
        self.nodeID = nodeID
        self.generation = generation
    }
}

/// The generation identifiers of one replica as DRBD keeps them.
public struct GenerationSet: Sendable, Hashable {
    /// The generation the local data belongs to.
    public var current: Generation
    /// Per peer: the generation that peer's bitmap tracks changes against; `.none` while in sync.
    /// Sorted by node id, one entry per configured peer.
    public var bitmap: [PeerGeneration]
    /// Earlier current generations, newest first, at most `GenerationSet.historyMax`.
    public var history: [Generation]

    public static let historyMax = 32

    public init(current: Generation, bitmap: [PeerGeneration] = [], history: [Generation] = []) {
        self.current = current
        self.bitmap = bitmap
        self.history = history
    }

    public func bitmapGeneration(for peer: NodeID) -> Generation {
        bitmap.first { $0.nodeID == peer }?.generation ?? .none
    }

    /// `generation` is one of the earlier current generations of this line (`history`).
    public func historyHolds(_ generation: Generation) -> Bool {
        history.contains { $0.sameHistory(as: generation) }
    }
}

public struct Handshake: Sendable, Equatable {
    public var protocolVersion: UInt16
    public var nodeID: NodeID
    /// Volume number within the resource (DRBD volume 0 …).
    public var volume: UInt16
    /// Usable size in bytes; 0 for a diskless client.
    public var sizeBytes: UInt64
    public var bitmapBlockBytes: UInt32
    public var role: Role
    public var disk: DiskState
    public var generations: GenerationSet
    public var flags: HandshakeFlags
    /// Bits set in the sender's bitmap for the receiver (DRBD dirty_bits), for logs and status.
    public var outOfSyncBlocks: UInt64
    /// Of `outOfSyncBlocks`, those only the sender's own crash set (its activity log's extents,
    /// applied at attach: DRBD apply-al), not a write the receiver is known to have missed. At
    /// equal generations the side whose bits record missed writes is the source over one whose
    /// bits are only its crash's (`GenerationComparison.equalCurrent`; since protocol 20).
    public var crashMarkedBlocks: UInt64
    /// The sender has quorum (to let a partition that lost it learn it back).
    public var hasQuorum: Bool
    /// Sequence of the last write the sender issued as writer (0: none). Writes up to it are
    /// accounted for by this handshake (present on the receiver or marked out of sync); the
    /// receiver's next write from the sender has a higher sequence.
    public var lastWriteSequence: UInt64
    /// The protocol the sender replicates with toward the receiver (its `PeerConfig`). Both ends
    /// of a connection must use the same one: the equal-generation rules differ with protocol A
    /// (`GenerationComparison`, `asynchronous`), and each end reads its own configuration, so
    /// two ends that disagree would plan different resyncs from the same handshakes. DRBD
    /// refuses such a connection too (P_PROTOCOL: "incompatible protocol settings").
    public var replicationProtocol: ReplicationProtocol
    /// Generations the sender knows a writer moved past while it stayed behind (its
    /// `supersededGenerations`, oldest first, at most `GenerationSet.historyMax`; since protocol
    /// 22). An Inconsistent sender may hold writes of the newer ones (its resync from a newer
    /// source, and the writes that source replicated to it meanwhile): a disk back from its
    /// failure record at one of these is not its source (`GenerationComparison.compare`).
    public var supersededGenerations: [Generation]

    public init(protocolVersion: UInt16 = replicationProtocolVersion, nodeID: NodeID, volume: UInt16,
                sizeBytes: UInt64, bitmapBlockBytes: UInt32, role: Role, disk: DiskState,
                generations: GenerationSet, flags: HandshakeFlags, outOfSyncBlocks: UInt64,
                crashMarkedBlocks: UInt64 = 0, hasQuorum: Bool, lastWriteSequence: UInt64 = 0, replicationProtocol: ReplicationProtocol,
                supersededGenerations: [Generation] = []) {
        self.supersededGenerations = supersededGenerations
        self.lastWriteSequence = lastWriteSequence
        self.replicationProtocol = replicationProtocol
        self.protocolVersion = protocolVersion
        self.nodeID = nodeID
        self.volume = volume
        self.sizeBytes = sizeBytes
        self.bitmapBlockBytes = bitmapBlockBytes
        self.role = role
        self.disk = disk
        self.generations = generations
        self.flags = flags
        self.outOfSyncBlocks = outOfSyncBlocks
        self.crashMarkedBlocks = crashMarkedBlocks
        self.hasQuorum = hasQuorum
    }
}

public struct PeerStateReport: Sendable, Equatable {
    public var role: Role
    public var disk: DiskState
    public var current: Generation
    public var hasQuorum: Bool
    /// `HandshakeFlags.outdatedByQuorumLoss`, which can change while connected.
    public var outdatedByQuorumLoss: Bool
    public init(role: Role, disk: DiskState, current: Generation, hasQuorum: Bool, outdatedByQuorumLoss: Bool = false) {
        self.role = role
        self.disk = disk
        self.current = current
        self.hasQuorum = hasQuorum
        self.outdatedByQuorumLoss = outdatedByQuorumLoss
    }
}

public struct GenerationAnnouncement: Sendable, Equatable {
    /// The new current generation.
    public var current: Generation
    /// The generation it replaces (receivers check that it is theirs).
    public var previous: Generation
    /// Nodes the writer is *not* replicating to right now: receivers start bitmaps for them too.
    public var absentNodes: [NodeID]
    public init(current: Generation, previous: Generation, absentNodes: [NodeID]) {
        self.current = current
        self.previous = previous
        self.absentNodes = absentNodes
    }
}

/// What a replicated write does to the range.
public enum WriteKind: UInt8, Sendable, CaseIterable {
    case data = 0
    case trim = 1
    case zeroes = 2
}

public struct ReplicatedWrite: Sendable, Equatable {
    /// The writer's write counter (DRBD's dagtag, counted in writes): the same number goes to
    /// every peer, strictly increasing per writer from 1 after each handshake; acks name it.
    public var sequence: UInt64
    public var kind: WriteKind
    public var offsetBytes: UInt64
    public var lengthBytes: UInt32
    /// The bytes for `.data` (readable bytes == lengthBytes); empty for trim/zeroes. A slice of
    /// the client's request on the writer and of the received frame on a peer: never copied.
    public var data: ByteBuffer
    /// Force unit access: durable before the ack.
    public var fua: Bool
    /// The writer waits for a `writeAck` (protocol C); false for protocol A.
    public var wantsAck: Bool
    /// Node-id bit mask of diskful nodes the writer is *not* replicating this write to: receivers
    /// mark the range out of sync toward them too (so any survivor can resync them later).
    public var notReplicatedTo: UInt32
    /// Every write of this writer with a smaller sequence has completed on every node it was
    /// sent to (each acknowledged it, failed it or dropped, and then the writer sent its
    /// out-of-sync ranges ahead on this stream). DRBD's Primary says this per request in a
    /// P_PEER_ACK; here the next write carries it, so the peer ack adds no message of its own.
    /// A receiver keeps the writes at or above it in doubt (`PeerState.unackedPeerWrites`). 0:
    /// nothing is known done.
    public var peerAckedBelow: UInt64
    public init(sequence: UInt64, kind: WriteKind, offsetBytes: UInt64, lengthBytes: UInt32,
                data: ByteBuffer, fua: Bool, wantsAck: Bool, notReplicatedTo: UInt32, peerAckedBelow: UInt64 = 0) {
        self.notReplicatedTo = notReplicatedTo
        self.peerAckedBelow = peerAckedBelow
        self.sequence = sequence
        self.kind = kind
        self.offsetBytes = offsetBytes
        self.lengthBytes = lengthBytes
        self.data = data
        self.fua = fua
        self.wantsAck = wantsAck
    }
}

/// Acknowledges the writes `sequence ..< sequence + count`, all with the same outcome. The core
/// acknowledges each write on its own (`count` 1); the link's frame writer merges the acks of
/// writes completed in order into one (`ReplicationFrameWriter`), so that a burst of writes is
/// answered by one message the writer's core takes in one pass, not by one message per write.
public struct WriteAck: Sendable, Equatable {
    public var sequence: UInt64
    /// False: the writes failed on the receiver's disk (it detaches; the writer marks their
    /// ranges out of sync for it).
    public var success: Bool
    /// How many consecutive writes this acknowledges, from `sequence`; at least 1.
    public var count: UInt32
    /// The most writes one ack may cover (far more than may be in flight to a peer at once).
    public static let countMax: UInt32 = 1 << 16
    public init(sequence: UInt64, success: Bool, count: UInt32 = 1) {
        self.sequence = sequence
        self.success = success
        self.count = count
    }
}

public struct FlushRequest: Sendable, Equatable {
    /// Barrier number, per connection, from 1.
    public var number: UInt64
    public init(number: UInt64) { self.number = number }
}

public struct FlushAck: Sendable, Equatable {
    public var number: UInt64
    public var success: Bool
    public init(number: UInt64, success: Bool) {
        self.number = number
        self.success = success
    }
}

/// A piece of the sender's out-of-sync bitmap for the receiver: `words[i]` covers bits
/// `(firstWord + i) * 64 ..< +64`, bit n = block n (`bitmapBlockBytes` each). Chunks with no set
/// bit are not sent; the last chunk has `isLast` (possibly with no words).
public struct BitmapChunk: Sendable, Equatable {
    public var firstWord: UInt64
    public var words: [UInt64]
    public var isLast: Bool
    public static let wordsMax = 1024
    public init(firstWord: UInt64, words: [UInt64], isLast: Bool) {
        self.firstWord = firstWord
        self.words = words
        self.isLast = isLast
    }
}

public struct OutOfSyncRange: Sendable, Equatable {
    public var offsetBytes: UInt64
    public var lengthBytes: UInt64
    /// The node the range is out of sync toward (the writer tells its other peers that `node`
    /// may have missed a write it sent them).
    public var node: NodeID
    public init(offsetBytes: UInt64, lengthBytes: UInt64, node: NodeID) {
        self.offsetBytes = offsetBytes
        self.lengthBytes = lengthBytes
        self.node = node
    }
}

public struct ResyncRequest: Sendable, Equatable {
    public var id: UInt64
    public var offsetBytes: UInt64
    public var lengthBytes: UInt32
    /// The current writer (Primary) whose writes the target has seen, or `nil`; the source reads
    /// only after it has applied that writer's writes up to `writerSequence`, so that a resync
    /// reply never carries data older than what the target already holds (DRBD's dagtag rule).
    public var writer: NodeID?
    public var writerSequence: UInt64
    public init(id: UInt64, offsetBytes: UInt64, lengthBytes: UInt32, writer: NodeID?,
                writerSequence: UInt64) {
        self.writer = writer
        self.writerSequence = writerSequence
        self.id = id
        self.offsetBytes = offsetBytes
        self.lengthBytes = lengthBytes
    }
}

/// Outcome carried by replies that may fail on the sender's disk.
public enum ReplyStatus: UInt8, Sendable, CaseIterable {
    case ok = 0
    /// The range reads as zeros on the sender (thin/discarded): `data` is empty.
    case zeroes = 1
    /// The sender could not read it (I/O error) or may not serve it (not UpToDate).
    case failed = 2
}

public struct ResyncReply: Sendable, Equatable {
    public var id: UInt64
    public var offsetBytes: UInt64
    public var lengthBytes: UInt32
    public var status: ReplyStatus
    /// The range's bytes for `.ok` (a slice of the received frame on the target); else empty.
    public var data: ByteBuffer
    /// The third nodes the source tracks blocks of this range out of sync toward, and which
    /// (protocol 21; DRBD's P_PEERS_IN_SYNC, inverted): the target, holding the source's data
    /// there now, marks them toward those nodes too when its resync ends (`recordSourceTracks`).
    public var outOfSyncToward: [PeerBlocks]
    /// The blocks of this range the source's own crash marked toward third nodes (crash-only
    /// bits, "may differ", protocol 24): the target, holding the source's data there now, marks
    /// them toward those nodes as crash-only too when its resync ends (seed 3091,
    /// CrashOnlyThirdNodeTests). Kept apart from `outOfSyncToward`: taken as missed writes they made
    /// the target the source of a node holding a newer write (seed 1500).
    public var crashOnlyToward: [PeerBlocks]
    public init(id: UInt64, offsetBytes: UInt64, lengthBytes: UInt32, status: ReplyStatus,
                data: ByteBuffer, outOfSyncToward: [PeerBlocks] = [], crashOnlyToward: [PeerBlocks] = []) {
        self.id = id
        self.offsetBytes = offsetBytes
        self.lengthBytes = lengthBytes
        self.status = status
        self.data = data
        self.outOfSyncToward = outOfSyncToward
        self.crashOnlyToward = crashOnlyToward
    }
}

/// Blocks of a resync reply's range that one node lacks on the reply's sender: bit k of
/// `words` (word k / 64, bit k % 64) is the range's k-th block (of the bitmap's block size).
public struct PeerBlocks: Sendable, Equatable {
    public var node: NodeID
    public var words: [UInt64]
    public init(node: NodeID, words: [UInt64]) {
        self.node = node
        self.words = words
    }
}

public struct ResyncFinished: Sendable, Equatable {
    /// The source's generations; the target adopts them (DRBD: "the synchronization target
    /// adopts the entire set of generation identifiers from the synchronization source").
    public var generations: GenerationSet
    public init(generations: GenerationSet) { self.generations = generations }
}

public struct VerifyRequest: Sendable, Equatable {
    public var id: UInt64
    public var offsetBytes: UInt64
    public var lengthBytes: UInt32
    /// 64-bit digest of the source's bytes (`BlockDigest`).
    public var digest: UInt64
    public init(id: UInt64, offsetBytes: UInt64, lengthBytes: UInt32, digest: UInt64) {
        self.id = id
        self.offsetBytes = offsetBytes
        self.lengthBytes = lengthBytes
        self.digest = digest
    }
}

public struct VerifyReply: Sendable, Equatable {
    public var id: UInt64
    public var offsetBytes: UInt64
    public var lengthBytes: UInt32
    public var inSync: Bool
    public init(id: UInt64, offsetBytes: UInt64, lengthBytes: UInt32, inSync: Bool) {
        self.id = id
        self.offsetBytes = offsetBytes
        self.lengthBytes = lengthBytes
        self.inSync = inSync
    }
}

public struct RemoteReadRequest: Sendable, Equatable {
    public var id: UInt64
    public var offsetBytes: UInt64
    public var lengthBytes: UInt32
    public init(id: UInt64, offsetBytes: UInt64, lengthBytes: UInt32) {
        self.id = id
        self.offsetBytes = offsetBytes
        self.lengthBytes = lengthBytes
    }
}

public struct RemoteReadReply: Sendable, Equatable {
    public var id: UInt64
    public var status: ReplyStatus
    public var data: [UInt8]
    public init(id: UInt64, status: ReplyStatus, data: [UInt8]) {
        self.id = id
        self.status = status
        self.data = data
    }
}

public struct PromotionRequest: Sendable, Equatable {
    public var id: UInt64
    /// The generation of the data the requester would expose as Primary: its current with a
    /// disk; without one, the generation of the UpToDate peers its writes would go through
    /// (`ReplicaInstance.disklessDataGeneration`), `.none` when it reaches none. A voter judges
    /// a diskless requester by it (`knowsNewerGeneration`): the requester's own current says
    /// only where its disk left it. Since protocol 23.
    public var dataGeneration: Generation
    public init(id: UInt64, dataGeneration: Generation) {
        self.id = id
        self.dataGeneration = dataGeneration
    }
}

public struct PromotionReply: Sendable, Equatable {
    public var id: UInt64
    public var granted: Bool
    /// Why not, for the admin's error message ("node 2 is Primary").
    public var reason: String
    public init(id: UInt64, granted: Bool, reason: String) {
        self.id = id
        self.granted = granted
        self.reason = reason
    }
}

/// Sent by a Secondary to its other peers when it loses the connection to the Primary `writer`:
/// how far that writer's stream got here. The peer with fewer writes resyncs the activity-log
/// extents from the one with more, so in-flight writes of a crashed Primary never leave the
/// survivors different.
public struct WriterLost: Sendable, Equatable {
    public var writer: NodeID
    public var lastSequence: UInt64
    /// Activity-log extents of the sender (hot areas that may differ).
    public var hotExtents: [UInt32]
    /// The writer's last sequence when the sender's stream from it began (its handshake's
    /// `lastWriteSequence`): the writes up to it did not come on this stream. Two senders with
    /// equal tails are not equal when one stream began later: it may have a gap (seed 463); the
    /// earlier one is the source (`onWriterLost`).
    public var streamStart: UInt64
    /// The sender has the writer again: the receiver drops the writer-lost it keeps from it
    /// (`deferWriterLost`), or, if it already decided on it, renegotiates the connection
    /// (`onWriterLostWithdrawn`). The other fields say nothing then.
    public var withdrawn: Bool
    /// The sender decided on the receiver's writer-lost and this is its own in answer: the
    /// receiver, which could not have decided on one of the sender's, decides on it.
    public var answer: Bool
    public init(writer: NodeID, lastSequence: UInt64, hotExtents: [UInt32], streamStart: UInt64 = 0,
                withdrawn: Bool = false, answer: Bool = false) {
        self.writer = writer
        self.lastSequence = lastSequence
        self.hotExtents = hotExtents
        self.streamStart = streamStart
        self.withdrawn = withdrawn
        self.answer = answer
    }
}

/// One write of the lost protocol A `writer` as the sending resync target holds it (its blocks
/// read back from its disk), for its source, whose tail of the writer's stream may end before it
/// (`ReplicaInstance.pushLostWriterTail`).
public struct LostWriterTail: Sendable, Equatable {
    public var writer: NodeID
    /// The write's sequence in the writer's stream: the source writes the blocks only if its own
    /// tail of that stream ends before it (else it holds that write or a newer one).
    public var sequence: UInt64
    public var kind: WriteKind
    public var offsetBytes: UInt64
    public var lengthBytes: UInt32
    /// The blocks for `.data`; empty for `.zeroes` (they read as zeros on the sender).
    public var data: ByteBuffer
    public init(writer: NodeID, sequence: UInt64, kind: WriteKind, offsetBytes: UInt64, lengthBytes: UInt32, data: ByteBuffer) {
        self.writer = writer
        self.sequence = sequence
        self.kind = kind
        self.offsetBytes = offsetBytes
        self.lengthBytes = lengthBytes
        self.data = data
    }
}

public struct LostWriterTailAck: Sendable, Equatable {
    public var writer: NodeID
    public var sequence: UInt64
    /// The source wrote the blocks; false: it refused them (it holds the write already, is no
    /// longer the sender's UpToDate source, or a writer is connected).
    public var applied: Bool
    public init(writer: NodeID, sequence: UInt64, applied: Bool) {
        self.writer = writer
        self.sequence = sequence
        self.applied = applied
    }
}

public struct Goodbye: Sendable, Equatable {
    /// The sender's disk is Outdated from now on (it left cleanly and will not write).
    public var outdated: Bool
    public init(outdated: Bool) { self.outdated = outdated }
}
