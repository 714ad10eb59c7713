import EngineAdminClient
import EngineConfig
import EngineFiles
import SatelliteCore
import StorageProviders
import TandemModel

/// Carries out one planned step, keeping the ledger's ordering contract (see `SatelliteStep`).
struct StepExecutor: Sendable {
    let layout: EngineStateLayout
    let engine: EngineAdminClient
    let ledgerStore: LedgerStore

    /// Runs `step`; `ledger` is updated (and saved) exactly as far as the step got.
    func run(_ step: SatelliteStep, ledger: inout OwnershipLedger, providers: [String: any StorageProvider]) async throws {
        switch step {
        case .claim(let r):
            ledger.resources.insert(r)
            ledger.initialSyncPending.insert(r)
            try await save(ledger)
        case .adopt(let r, let volumes):
            ledger.resources.insert(r)
            for v in volumes { ledger.volumes[v] = r }
            try await save(ledger)
        case .createBackingVolume(let r, let key, let kib):
            let provider = try self.provider(key.pool, providers)
            ledger.volumes[key] = r
            try await save(ledger)
            do {
                _ = try await onStorageQueue { try provider.createVolume(named: key.name, size: ByteCount(kib * 1024)) }
            } catch let error as StorageError where error.kind == .nameClash {
                // Not ours after all: un-claim it so it is never deleted by us.
                ledger.volumes[key] = nil
                try await save(ledger)
                throw error
            }
        case .growBackingVolume(_, let key, let kib):
            let provider = try self.provider(key.pool, providers)
            try await onStorageQueue { try provider.growVolume(named: key.name, to: ByteCount(kib * 1024)) }
        case .writeResourceFile(let r, let text):
            ledger.adjustPending.insert(r)
            try await save(ledger)
            let path = layout.resourceFilePath(r)
            let dir = layout.resourcesDirectory
            try await onStorageQueue {
                try AtomicFile.makeDirectories(dir)
                try AtomicFile.write(text, to: path)
            }
        case .adjust(let r):
            try await engine.adjust(r)
            ledger.adjustPending.remove(r)
            try await save(ledger)
        case .down(let r):
            try await engine.down(r)
        case .removeResourceFile(let r):
            let path = layout.resourceFilePath(r)
            try await onStorageQueue { try AtomicFile.remove(path) }
        case .deleteBackingVolume(_, let key):
            let provider = try self.provider(key.pool, providers)
            try await onStorageQueue { try provider.deleteVolume(named: key.name) }
        case .release(let r):
            ledger.resources.remove(r)
            for v in ledger.volumes(of: r) { ledger.volumes[v] = nil }
            ledger.adjustPending.remove(r)
            ledger.initialSyncPending.remove(r)
            try await save(ledger)
        }
    }

    private func provider(_ pool: String, _ providers: [String: any StorageProvider]) throws -> any StorageProvider {
        guard let p = providers[pool] else {
            throw StorageError(.poolUnavailable, "storage pool '\(pool)' is no longer defined on this node; define it again so its volumes can be cleaned up")
        }
        return p
    }

    /// On the storage queue: the save fsyncs, which must not hold a cooperative thread.
    private func save(_ ledger: OwnershipLedger) async throws {
        let store = ledgerStore
        do { try await onStorageQueue { try store.save(ledger) } } catch {
            throw SatelliteStartupError("cannot record ownership in \(ledgerStore.path): \(error)")
        }
    }
}
