import ReplicationCore

/// The per-volume record a runtime keeps beside its core instance, and its traffic counters.
extension ResourceRuntime {
    /// Per volume: the core instance and what is waiting on it. A class, not a struct: every
    /// `volumes[v]` read of a struct copied the whole record (the core instance with all its
    /// arrays and tables, a retain and release each) several times per request; that was the
    /// largest CPU cost of a 4 KiB write in the engine's own code.
    final class VolumeRuntime {
        var instance: ReplicaInstance
        let backing: BackingStore?
        var metadata: PersistedMetadata?
        /// Writes `metadata` to the volume's file (nil for a diskless volume).
        var metadataWriter: MetadataFileWriter?
        let sizeBytes: UInt64
        /// The out-of-sync bitmap's block (the core's `ReplicaConfig.bitmapBlockBytes`), sent in
        /// the hello: a peer tracking other blocks is refused there (`helloRefusal`).
        var bitmapBlockBytes: UInt32 { instance.config.bitmapBlockBytes }
        var clients: [ClientRequestID: ClientWaiter] = [:]
        var admin: [AdminRequestID: CheckedContinuation<AdminResult, Never>] = [:]
        var openExports = 0
        var writers = 0
        var readBytes: UInt64 = 0
        var writtenBytes: UInt64 = 0
        var traffic: [UInt8: Traffic] = [:]
        /// What the read path was last told (`LocalReadPath.update`), to tell it only changes.
        var readsLocally: Bool?

        init(instance: ReplicaInstance, backing: BackingStore?, metadata: PersistedMetadata?, metadataWriter: MetadataFileWriter?, sizeBytes: UInt64) {
            self.instance = instance; self.backing = backing; self.metadata = metadata
            self.metadataWriter = metadataWriter; self.sizeBytes = sizeBytes
        }

        /// Steps the core, and tells whether it now reads locally. Both in place: reading
        /// `instance.readsLocally` from outside a mutating context copied the whole instance
        /// (every array and table in it retained and released), twice per request; perf showed
        /// those copies among the largest user-space costs of a 4 KiB write.
        func step(_ input: ReplicaInput, atMicros micros: UInt64) -> (ReplicaOutput, readsLocally: Bool) {
            Self.step(&instance, input, atMicros: micros)
        }

        private static func step(_ instance: inout ReplicaInstance, _ input: ReplicaInput, atMicros micros: UInt64) -> (ReplicaOutput, readsLocally: Bool) {
            let output = instance.step(input, atMicros: micros)
            return (output, instance.readsLocally)
        }

        /// `step` for a burst of data-path events (`ReplicaInstance.step(batch:)`).
        func step(batch inputs: [ReplicaInput], atMicros micros: UInt64) -> (ReplicaOutput, readsLocally: Bool) {
            Self.step(&instance, batch: inputs, atMicros: micros)
        }

        private static func step(_ instance: inout ReplicaInstance, batch inputs: [ReplicaInput], atMicros micros: UInt64) -> (ReplicaOutput, readsLocally: Bool) {
            let output = instance.step(batch: inputs, atMicros: micros)
            return (output, instance.readsLocally)
        }
    }

    struct Traffic {
        var sent: UInt64 = 0, received: UInt64 = 0, resyncSent: UInt64 = 0, resyncReceived: UInt64 = 0

        mutating func add(sent bytes: Int, resync volumeBytes: UInt32) {
            sent += UInt64(bytes); resyncSent += UInt64(volumeBytes)
        }

        mutating func add(received bytes: Int, resync volumeBytes: UInt32) {
            received += UInt64(bytes); resyncReceived += UInt64(volumeBytes)
        }
    }
}
