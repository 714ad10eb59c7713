import EngineAdmin
import ReplicationCore

extension ResourceRuntime {
    /// The resource as `tandem adm status` and the satellite see it. Role and resource-level
    /// fields come from volume 0 (all volumes of a resource share one role).
    func report(nbdSocketPath: String?) -> ResourceReport {
        let ordered = volumes.keys.sorted()
        guard let first = ordered.first.flatMap({ volumes[$0] }) else {
            return ResourceReport(name: config.name, nodeId: config.nodeId, nodeName: config.nodeName, role: "Secondary",
                                  mayPromote: false, volumes: [], connections: [], error: lastError)
        }
        let resource = first.instance.status.resource
        var volumeReports: [VolumeReport] = []
        for v in ordered {
            let runtime = volumes[v]!
            let s = runtime.instance.status
            let minor = config.volume(Int(v))?.minor ?? 0
            volumeReports.append(VolumeReport(
                volume: Int(v), minor: minor, disk: s.device.disk.rawValue, client: s.device.client, quorum: s.device.quorum,
                open: runtime.openExports > 0, sizeBytes: runtime.sizeBytes, backingPath: runtime.backing?.path,
                nbdExport: nbdSocketPath.map { "nbd+unix:///\(config.name)/\(v)?socket=\($0)" },
                readBytes: runtime.readBytes + (readPaths[v]?.readBytes ?? 0), writtenBytes: runtime.writtenBytes,
                diskReason: s.device.reason?.rawValue, diskReasonMessage: s.device.reason?.explanation))
        }
        var connections: [ConnectionReport] = []
        for peer in config.peers {
            let id = NodeID(UInt8(peer.nodeId))
            var connection = "StandAlone", role = "Unknown"
            // The link's own error (a refused hello) first; else why the core keeps the
            // connection down (split brain, a second Primary), from the first volume that says.
            var message = peerMessages[UInt8(peer.nodeId)]
            var peerVolumes: [PeerVolumeReport] = []
            for v in ordered {
                let runtime = volumes[v]!
                let s = runtime.instance.status
                guard let c = s.connections.first(where: { $0.peer == id }) else { continue }
                if v == ordered.first { connection = c.connection.rawValue; role = c.peerRole.rawValue }
                if message == nil { message = c.message }
                guard let p = s.peerDevices.first(where: { $0.peer == id }) else { continue }
                let t = runtime.traffic[id.rawValue] ?? Traffic()
                peerVolumes.append(PeerVolumeReport(
                    volume: Int(v), replication: p.replication.rawValue, peerDisk: p.peerDisk.rawValue, peerClient: p.peerClient,
                    outOfSyncBytes: p.outOfSyncBytes, donePercent: p.doneHundredths.map { Double($0) / 100 },
                    resyncBytesPerSecond: p.resyncBytesPerSecond, etaSeconds: p.etaSeconds,
                    resyncSentBytes: t.resyncSent, resyncReceivedBytes: t.resyncReceived, sentBytes: t.sent,
                    receivedBytes: t.received, verifyMismatchBlocks: p.verifyOutOfSyncBlocks))
            }
            connections.append(ConnectionReport(peerNodeId: peer.nodeId, peerName: peer.nodeName, connection: connection,
                                                peerRole: role, message: message, peerVolumes: peerVolumes))
        }
        // A connection's message (a split brain's, kept by the core until the operator acts) is
        // the same text the core logged as this resource's last error: shown once, on the
        // connection it is about.
        let error = lastError.flatMap { e in connections.contains { c in c.message.map { e.contains($0) } ?? false } ? nil : e }
        return ResourceReport(name: config.name, nodeId: config.nodeId, nodeName: config.nodeName, role: resource.role.rawValue,
                              suspended: resource.suspended, mayPromote: resource.mayPromote, volumes: volumeReports,
                              connections: connections, error: error)
    }
}
