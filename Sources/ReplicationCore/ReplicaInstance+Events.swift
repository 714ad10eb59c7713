extension ReplicaInstance {
    mutating func log(_ level: LogLevel, _ text: String) {
        output.events.append(.log(level, text))
    }

    var resourceStatus: ResourceStatus {
        var suspended: String?
        if role == .primary && config.quorum != .off && !hasQuorum && config.onNoQuorum == .suspendIO { suspended = "quorum" }
        return ResourceStatus(name: config.resourceName, role: role, suspended: suspended,
                              mayPromote: role != .primary && promotionRefusal(force: false) == nil)
    }

    var deviceStatus: DeviceStatus {
        DeviceStatus(volume: config.volume, disk: disk, client: config.disklessClient, quorum: hasQuorum, sizeBytes: config.sizeBytes,
                     reason: diskReason)
    }

    /// Why the disk is held back (`DeviceStatus.reason`). The failure record first: it holds
    /// whatever the state (an UpToDate disk with it yields at its generation). Then why an
    /// Outdated disk is Outdated: the quorum loss from its flag (kept on disk, so known after a
    /// restart too), else the cause recorded when it became Outdated (`outdatedReason`; nil
    /// after a restart, until a peer shows why again).
    var diskReason: DiskReason? {
        guard disk.hasDisk else { return upToDatePeerBehindDisklessGeneration == nil ? nil : .peersBehind }
        if flags.contains(.diskFailed) { return .failedDisk }
        guard disk == .outdated else { return nil }
        return flags.contains(.outdatedWithoutQuorum) ? .lostQuorum : outdatedReason
    }

    func connectionStatus(_ peer: PeerState) -> ConnectionStatus {
        ConnectionStatus(peer: peer.id, peerName: peer.config.name, connection: peer.connection, peerRole: peer.role,
                         message: peer.isConnected ? nil : peer.needsOperator ?? peer.deferredBecause)
    }

    func peerDeviceStatus(_ peer: PeerState) -> PeerDeviceStatus {
        let blockBytes = UInt64(config.bitmapBlockBytes)
        let outOfSync = (peer.bitmap?.setCount ?? 0) * blockBytes
        var done: UInt32?
        var rate: UInt64 = 0
        var eta: UInt64?
        if let resync = peer.resync {
            let total = max(resync.totalBlocks, 1)
            let remaining = min(peer.bitmap?.setCount ?? 0, total)
            done = UInt32((total - remaining) * 10000 / total)
            let window = UInt64(max(resync.recentBytes.count, 1))
            rate = resync.recentBytes.reduce(0, +) * UInt64(config.ticksPerSecond) / window
            if rate > 0 { eta = remaining * blockBytes / rate }
        } else if let verify = peer.verify {
            done = UInt32(verify.done * 10000 / max(verify.totalBlocks, 1))
        }
        return PeerDeviceStatus(peer: peer.id, peerName: peer.config.name, volume: config.volume,
                                replication: peer.replication, peerDisk: peer.disk,
                                peerClient: peer.config.disklessClient, outOfSyncBytes: outOfSync,
                                doneHundredths: done, resyncBytesPerSecond: rate, etaSeconds: eta,
                                verifyOutOfSyncBlocks: peer.verifyOutOfSyncBlocks)
    }

    mutating func emitResource() { output.events.append(.resource(resourceStatus)) }
    mutating func emitDevice() { output.events.append(.device(deviceStatus)) }
    mutating func emitConnection(_ i: Int) { output.events.append(.connection(connectionStatus(peers[i]))) }
    mutating func emitPeerDevice(_ i: Int) { output.events.append(.peerDevice(peerDeviceStatus(peers[i]))) }

    mutating func emitAllState() {
        emitResource()
        emitDevice()
        for i in peers.indices {
            emitConnection(i)
            emitPeerDevice(i)
        }
    }
}
