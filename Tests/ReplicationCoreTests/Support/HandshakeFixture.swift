@testable import ReplicationCore

extension Handshake {
    /// A diskful replica's handshake for the pure decisions (`GenerationComparison`, the refusal
    /// texts): 1 MiB, 4 KiB bitmap blocks, protocol C, quorum held; `bitmap` lists its slots as
    /// (peer, generation), `history` its generations newest first. Its disk is UpToDate: the
    /// comparison reads Inconsistent from the flags.
    static func of(_ node: UInt8, current: UInt64, bitmap: [(UInt8, UInt64)] = [], history: [UInt64] = [],
                   role: Role = .secondary, flags: HandshakeFlags = []) -> Handshake {
        Handshake(nodeID: NodeID(node), volume: 0, sizeBytes: 1 << 20, bitmapBlockBytes: 4096, role: role,
                  disk: .upToDate,
                  generations: GenerationSet(current: Generation(current),
                                             bitmap: bitmap.map { PeerGeneration(nodeID: NodeID($0.0), generation: Generation($0.1)) },
                                             history: history.map(Generation.init)),
                  flags: flags, outOfSyncBlocks: 0, hasQuorum: true, replicationProtocol: .c)
    }
}
