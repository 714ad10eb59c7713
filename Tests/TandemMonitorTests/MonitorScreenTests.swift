import EngineAdmin
import Testing
@testable import TandemMonitor

@Suite("tandem monitor's frame")
struct MonitorScreenTests {
    static let syncing = ResourceReport(
        name: "backups", nodeId: 0, nodeName: "alpha", role: "Primary", mayPromote: true,
        volumes: [VolumeReport(volume: 0, minor: 1000, disk: "UpToDate", client: false, quorum: true, open: true,
                               sizeBytes: 1 << 30, backingPath: "/pool/backups_00000", nbdExport: "nbd+unix:///backups/0?socket=/run/tandem/nbd.sock")],
        connections: [
            ConnectionReport(peerNodeId: 1, peerName: "beta", connection: "Connected", peerRole: "Secondary",
                             peerVolumes: [PeerVolumeReport(volume: 0, replication: "SyncSource", peerDisk: "Inconsistent", peerClient: false,
                                                            outOfSyncBytes: 500 << 20, donePercent: 45.2, resyncBytesPerSecond: 112 << 20, etaSeconds: 8)]),
            ConnectionReport(peerNodeId: 2, peerName: "gamma", connection: "StandAlone", peerRole: "Unknown",
                             message: "split brain detected", peerVolumes: []),
        ])

    @Test("a syncing resource shows role, disks, a progress bar with rate and ETA, and why a peer is StandAlone")
    func syncingFrame() {
        let lines = MonitorScreen(width: 120, color: false).render([Self.syncing], header: "head")
        let text = lines.joined(separator: "\n")
        #expect(lines.first == "head")
        #expect(text.contains("backups  Primary"))
        #expect(text.contains("vol 0  UpToDate"))
        #expect(text.contains("beta     Connected   Secondary"))
        #expect(text.contains("SyncSource  peer Inconsistent  [#########...........] 45.20%"))
        #expect(text.contains("112.0 MiB/s  ETA 0:08"))
        #expect(text.contains("gamma    StandAlone"))
        #expect(text.contains("split brain detected"))
        #expect(lines.last == "q quits")
    }

    @Test("no lines wider than the terminal, colour codes not counted")
    func clipsToWidth() {
        for color in [false, true] {
            let lines = MonitorScreen(width: 40, color: color).render([Self.syncing], header: String(repeating: "x", count: 100))
            for line in lines {
                let visible = line.replacing(/\x1B\[[0-9;]*m/, with: "")
                #expect(visible.count <= 40, "\(visible)")
            }
        }
    }

    @Test("colour only when asked")
    func colour() {
        #expect(!MonitorScreen(width: 80, color: false).render([Self.syncing], header: "h").joined().contains("\u{1B}"))
        #expect(MonitorScreen(width: 80, color: true).render([Self.syncing], header: "h").joined().contains("\u{1B}[32m"))
    }

    @Test("an unreachable engine is said in one clipped line, and the monitor keeps trying")
    func unreachable() {
        let lines = MonitorScreen(width: 40, color: false).renderUnreachable(String(repeating: "e", count: 200), header: "h", retrySeconds: 1)
        #expect(lines[2].hasPrefix("  engine not reachable: eee"))
        #expect(lines[2].count == 40)
        #expect(lines.contains("  (retrying every 1.0 s)"))
    }

    @Test("an idle engine says so")
    func empty() {
        #expect(MonitorScreen(width: 80, color: false).render([], header: "h").contains("  no resources are up on this node"))
    }

    @Test("bars, durations and sizes", arguments: [(0.0, 0), (45.2, 9), (100.0, 20), (150.0, 20), (-3.0, 0)])
    func bar(percent: Double, filled: Int) {
        let bar = MonitorScreen.progressBar(percent: percent, cells: 20)
        #expect(bar.count == 22)
        #expect(bar.filter { $0 == "#" }.count == filled)
    }

    @Test("durations")
    func durations() {
        #expect(MonitorScreen.duration(8) == "0:08")
        #expect(MonitorScreen.duration(3725) == "1:02:05")
        #expect(MonitorScreen.bytes(1536) == "1.5 KiB")
        #expect(MonitorScreen.bytes(10) == "10 B")
    }
}
