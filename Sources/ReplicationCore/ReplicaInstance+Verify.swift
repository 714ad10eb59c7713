extension ReplicaInstance {
    mutating func startVerify(_ i: Int) -> Bool {
        guard disk == .upToDate, peers[i].isConnected, peers[i].disk == .upToDate,
              peers[i].replication == .established, peers[i].bitmap != nil else { return false }
        peers[i].verify = VerifyProgress(totalBlocks: config.blockCount)
        peers[i].replication = .verifyS
        log(.info, "online verify against node \(peers[i].id) (\(peers[i].config.name)) started")
        emitPeerDevice(i)
        return true
    }

    /// Source side: read the next blocks and send their digests.
    mutating func driveVerify(_ i: Int) {
        guard var verify = peers[i].verify, peers[i].replication == .verifyS else { return }
        defer { if peers[i].verify != nil { peers[i].verify = verify } }
        let blockBytes = UInt64(config.bitmapBlockBytes)
        while verify.outstanding.count < config.verifyRequestsInFlightMax && verify.cursor < verify.totalBlocks {
            let id = verify.nextID
            verify.nextID += 1
            verify.outstanding.append(id)
            let offset = verify.cursor * blockBytes
            verify.cursor += 1
            submitData({ .read(id: $0, offsetBytes: offset, lengthBytes: UInt32(blockBytes)) },
                       offsetBytes: offset, lengthBytes: blockBytes, isWrite: false,
                       purpose: .verifySourceRead(peer: peers[i].id, id: id, offsetBytes: offset, lengthBytes: UInt32(blockBytes)))
        }
        if verify.cursor >= verify.totalBlocks && verify.outstanding.isEmpty {
            finishVerify(i, verify)
        }
    }

    mutating func finishVerify(_ i: Int, _ verify: VerifyProgress) {
        peers[i].verify = nil
        peers[i].replication = .established
        peers[i].verifyOutOfSyncBlocks = verify.differing
        send(.verifyRequest(VerifyRequest(id: 0, offsetBytes: config.sizeBytes, lengthBytes: 0, digest: 0)), to: peers[i].id)
        if verify.differing == 0 {
            log(.info, "online verify against node \(peers[i].id) (\(peers[i].config.name)) finished: all \(verify.totalBlocks) blocks identical")
        } else {
            log(.warning, "online verify against node \(peers[i].id) (\(peers[i].config.name)) found \(verify.differing) block(s) (\(describeBlocks(verify.differing))) that differ; they are marked out of sync. Run 'tandem adm disconnect \(config.resourceName)' and 'tandem adm connect \(config.resourceName)' to resync them from the Primary/source")
        }
        emitPeerDevice(i)
    }

    mutating func onVerifySourceRead(peer: NodeID, id: UInt64, offsetBytes: UInt64, lengthBytes: UInt32, result: StorageResult) {
        guard let i = peerIndex(peer), peers[i].verify != nil else { return }
        guard case .data(let data) = result else {
            peers[i].verify!.outstanding.removeAll { $0 == id }
            if case .failed = result { diskFailed() }
            return
        }
        send(.verifyRequest(VerifyRequest(id: id, offsetBytes: offsetBytes, lengthBytes: lengthBytes, digest: BlockDigest.fnv1a(data))), to: peer)
    }

    mutating func onVerifyRequest(_ request: VerifyRequest, peer i: Int) {
        if request.lengthBytes == 0 {
            if peers[i].replication == .verifyT { peers[i].replication = .established; emitPeerDevice(i) }
            return
        }
        guard peerRangeFits(offsetBytes: request.offsetBytes, lengthBytes: request.lengthBytes) else {
            return protocolError(i, "asked to verify beyond the end of the volume")
        }
        guard disk == .upToDate else {
            send(.verifyReply(VerifyReply(id: request.id, offsetBytes: request.offsetBytes, lengthBytes: request.lengthBytes, inSync: false)), to: peers[i].id)
            return
        }
        if peers[i].replication == .established { peers[i].replication = .verifyT; emitPeerDevice(i) }
        submitData({ .read(id: $0, offsetBytes: request.offsetBytes, lengthBytes: request.lengthBytes) },
                   offsetBytes: request.offsetBytes, lengthBytes: UInt64(request.lengthBytes), isWrite: false,
                   purpose: .verifyTargetRead(peer: peers[i].id, request: request))
    }

    mutating func onVerifyTargetRead(peer: NodeID, request: VerifyRequest, result: StorageResult) {
        var inSync = false
        switch result {
        case .data(let data): inSync = BlockDigest.fnv1a(data) == request.digest
        case .failed: diskFailed()
        case .done: preconditionFailure("read completed without data")
        }
        guard let i = peerIndex(peer), peers[i].transportUp else { return }
        if !inSync, peers[i].bitmap != nil {
            peers[i].bitmap!.set(peers[i].bitmap!.blocks(offsetBytes: request.offsetBytes, lengthBytes: UInt64(request.lengthBytes)))
        }
        send(.verifyReply(VerifyReply(id: request.id, offsetBytes: request.offsetBytes, lengthBytes: request.lengthBytes, inSync: inSync)), to: peer)
    }

    mutating func onVerifyReply(_ reply: VerifyReply, peer i: Int) {
        guard peers[i].verify != nil, peers[i].verify!.outstanding.contains(reply.id) else { return }
        peers[i].verify!.outstanding.removeAll { $0 == reply.id }
        peers[i].verify!.done += 1
        if !reply.inSync {
            peers[i].verify!.differing += 1
            peers[i].bitmap!.set(peers[i].bitmap!.blocks(offsetBytes: reply.offsetBytes, lengthBytes: UInt64(reply.lengthBytes)))
            log(.warning, "online verify: block at offset \(reply.offsetBytes) differs on node \(peers[i].id)")
        }
    }
}
