import EngineFiles
import Foundation
import SatelliteCore

/// Keeps the ownership ledger in `<state>/ledger.json`, replaced atomically on every change, so
/// what the satellite created survives its restarts (and nothing else is ever claimed).
struct LedgerStore: Sendable {
    let path: String
    static let bytesMax = 16 << 20

    init(stateDirectory: String) { path = stateDirectory + "/ledger.json" }

    func load() throws -> OwnershipLedger {
        guard AtomicFile.exists(path) else { return OwnershipLedger() }
        let bytes = try AtomicFile.read(path, bytesMax: Self.bytesMax)
        do {
            return try JSONDecoder().decode(OwnershipLedger.self, from: Data(bytes))
        } catch {
            throw SatelliteStartupError("the satellite's ledger \(path) is damaged (\(error)); it lists what this satellite created. Restore it from a backup, or move it away to start with an empty ledger (existing resources whose files match are adopted again)")
        }
    }

    func save(_ ledger: OwnershipLedger) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(Array(try encoder.encode(ledger)), to: path, mode: 0o600)
    }
}

/// A reason the satellite cannot start, for the person who started it.
struct SatelliteStartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
