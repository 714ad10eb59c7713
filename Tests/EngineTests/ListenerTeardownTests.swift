@testable import Engine
import EngineConfig
import Foundation
import ListenerTestSupport
import Logging
import NBDServer
import NIOPosix
import ScratchFolders
import Testing

/// A resource's replication listener is closed whenever the resource goes down or restarts
/// (`down`, an `adjust` that changes what cannot change in place, a volume grow). Peers redial
/// all the time, so connections are accepted right up to the close. NIO wraps each accepted
/// connection in an `NIOAsyncChannel` before handing it to the accept loop, and drops it when
/// the listener closed in between; an `NIOAsyncChannel` dropped without being run or finished
/// kills the process ("Deinited NIOAsyncWriter without calling finish()"). This test takes the
/// resource down, up and through restarting adjusts while several clients connect in a tight
/// loop; before the fix it crashed (NIOAsyncWriter.swift:177 from NIOAsyncChannelHandler.channelActive)
/// in two of three runs of 60 rounds and every run of 400.
@Suite("Replication listener teardown", .removesScratchFolders)
struct ListenerTeardownTests {
    static func resourceFile(dir: String, port: Int, alExtents: Int) -> String {
        TestResourceFile.text("churn", disk: dir + "/d0.img", minor: 1001, on: .init(name: "beta", id: 1, port: port),
                              peers: [.init(name: "alpha", id: 0, port: port + 1)], options: "al-extents \(alExtents);")
    }

    @Test func restartsWhilePeersConnectNeverDropAnAcceptedConnection() async throws {
        let dir = try ScratchFolder.make("tandem-churn-")
        try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 8 << 20)))
        // Below the ephemeral range (32768–60999 on Linux): a client socket of any test running in
        // parallel — or one of the hammer's own connects to a port nobody listens on, which TCP
        // may complete to itself — could otherwise hold this port as its local port, and every
        // `up` would then fail to bind it.
        let port = TestPorts.reserve(2)
        let file = dir + "/resources/churn.res"
        try Self.resourceFile(dir: dir, port: port, alExtents: 1237).write(toFile: file, atomically: true, encoding: .utf8)
        let s = EngineSupervisor(layout: EngineStateLayout(stateDirectory: dir), registry: NBDExportRegistry(),
                                 nbdSocketPath: nil, group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))

        let hammer = ListenerProbe.Hammer()
        hammer.start(port: port, threads: 3)
        defer { hammer.stop.store(true, ordering: .relaxed) }

        // Anything in the engine's process may spawn a child while a listener is open (tool
        // runs; in `swift test`, other suites). The child outlives the resource's restart by
        // more than the rebind's ~2 s of retries: it must not hold the closed listener.
        for round in 0..<300 {
            let upError = await s.up("churn")
            #expect(upError == nil, "up: \(upError ?? ""); listening: \(ListenerProbe.listeners(port: port))")
            if round == 30 || round == 150 { ListenerProbe.spawnSleep(seconds: 3) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...5)))
            if round % 3 == 1 {
                // al-extents cannot change in place: adjust restarts the resource (down + up).
                try Self.resourceFile(dir: dir, port: port, alExtents: round % 2 == 0 ? 1237 : 1500)
                    .write(toFile: file, atomically: true, encoding: .utf8)
                let adjustError = await s.adjust("churn")
                #expect(adjustError == nil, "adjust: \(adjustError ?? ""); listening: \(ListenerProbe.listeners(port: port))")
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...5)))
            }
            await s.down("churn")
        }
        hammer.stop.store(true, ordering: .relaxed)
        await s.stopAll()
        #expect(hammer.connects.load(ordering: .relaxed) > 100, "the clients got connections accepted while the listener came and went")
        // Every connection accepted before a close was run or closed: none is left open.
        var open = ListenerProbe.openAcceptedSockets(port: port)
        for _ in 0..<100 where open > 0 {
            try await Task.sleep(for: .milliseconds(20))
            open = ListenerProbe.openAcceptedSockets(port: port)
        }
        #expect(open == 0, "accepted connections nobody closed")
    }
}
