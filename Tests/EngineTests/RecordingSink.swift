import NBDProtocol
import NIOCore
import Synchronization

/// Records what the runtime reports for NBD commands, as the NBD connection's sink would.
final class RecordingSink: NBDCommandSink {
    let outcomes = Mutex<[(cookie: UInt64, ok: Bool)]>([])
    func commandFinished(_ command: NBDCommand, _ result: Result<ByteBuffer?, NBDExportError>) {
        var ok = false
        if case .success = result { ok = true }
        outcomes.withLock { $0.append((command.cookie, ok)) }
    }
}
