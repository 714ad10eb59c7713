import Dispatch

/// Storage providers block (they run lvm2/zfs commands and fsync); run them on a dispatch
/// queue so the cooperative thread pool, which also carries the controller session, is free.
let storageQueue = DispatchQueue(label: "tandem.satellite.storage")

func onStorageQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        storageQueue.async {
            do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
        }
    }
}
