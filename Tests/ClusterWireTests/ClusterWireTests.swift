import ClusterWire
import NIOCore
import NIOEmbedded
import NIOTestUtils
import TandemModel
import Testing

private let sampleDesired = NodeDesiredState(
    generation: 7, nodeName: "alpha",
    storagePools: [DesiredStoragePool(name: "pool1", provider: .fileThin, driverPool: "/var/lib/tandem/pool1")],
    resources: [
        DesiredResource(
            name: "backups", nodeId: 0, port: 7000, diskless: false,
            volumes: [DesiredVolume(volumeNumber: 0, sizeKiB: 65536, minor: 1000, storagePool: "pool1")],
            peers: [DesiredPeer(nodeName: "beta", nodeId: 1, address: "127.0.0.3", port: 7000, diskless: false)],
            options: ["quorum": "majority"])
    ])

private let sampleActual = NodeActualState(
    appliedGeneration: 7,
    storagePools: [ActualStoragePool(name: "pool1", totalCapacityKiB: 1 << 20, freeCapacityKiB: 1 << 19)],
    resources: [
        ActualResource(
            name: "backups", role: "Secondary", inUse: false,
            volumes: [ActualVolume(volumeNumber: 0, diskState: "Inconsistent", allocatedKiB: 1024, devicePath: nil, nbdExport: "nbd://127.0.0.2/backups")],
            connections: [ActualConnection(peerNodeName: "beta", connectionState: "Connected", replicationState: "SyncTarget", peerDiskState: "UpToDate", syncPercent: 45.2)],
            errors: ["lvcreate failed"])
    ])

private let allMessages: [ClusterMessage] = [
    .hello(Hello(role: .controller, nodeName: "alpha")),
    .hello(Hello(role: .satellite, nodeName: "")),
    .goodbye(reason: "bye"),
    .ping(42), .pong(42),
    .desiredState(sampleDesired),
    .actualState(sampleActual),
]

@Suite struct ClusterWireTests {
    @Test(arguments: allMessages)
    func everyMessageRoundtrips(_ message: ClusterMessage) throws {
        var buffer = try ClusterWire.encode(message)
        let decoded = try ClusterWire.decode(from: &buffer)
        #expect(decoded == message)
        #expect(buffer.readableBytes == 0)
    }

    @Test func headerLayoutIsFixed() throws {
        let buffer = try ClusterWire.encode(.ping(1))
        #expect(Array(buffer.readableBytesView.prefix(4)) == Array("TNDM".utf8))
        #expect(buffer.getInteger(at: 4, as: UInt16.self) == ClusterWire.protocolVersion)
        #expect(buffer.getInteger(at: 6, as: UInt16.self) == 3)
        #expect(buffer.getInteger(at: 8, as: UInt32.self) == UInt32(buffer.readableBytes - 12))
    }

    @Test func decoderAcceptsByteByByteAndAllAtOnce() throws {
        var inputs: [(ByteBuffer, [ClusterMessage])] = []
        for m in allMessages { inputs.append((try ClusterWire.encode(m), [m])) }
        // Two frames in one buffer, too.
        var two = try ClusterWire.encode(.ping(1))
        try ClusterWire.encode(.pong(2), into: &two)
        inputs.append((two, [.ping(1), .pong(2)]))
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: inputs,
            decoderFactory: { ClusterFrameDecoder() })
    }

    @Test func partialFrameConsumesNothing() throws {
        let whole = try ClusterWire.encode(.desiredState(sampleDesired))
        for cut in [0, 5, 11, 12, whole.readableBytes - 1] {
            var part = whole.getSlice(at: 0, length: cut)!
            #expect(try ClusterWire.decode(from: &part) == nil)
            #expect(part.readableBytes == cut)
        }
    }

    @Test func truncatedFrameAtEOFIsAnError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(ClusterFrameDecoder()))
        let whole = try ClusterWire.encode(.goodbye(reason: "x"))
        try channel.writeInbound(whole.getSlice(at: 0, length: whole.readableBytes - 2)!)
        #expect(try channel.readInbound(as: ClusterMessage.self) == nil)
        #expect(throws: WireError.truncatedFrame(received: whole.readableBytes - 2, expected: whole.readableBytes)) {
            try channel.finish()
        }
    }

    @Test func oversizedFrameIsRejectedBeforeItArrives() throws {
        var buffer = ByteBuffer()
        WireHeader(version: ClusterWire.protocolVersion, type: 16, payloadByteCount: 1025).write(to: &buffer)
        #expect(throws: WireError.frameTooLarge(announced: 1025, limit: 1024)) {
            _ = try ClusterWire.decode(from: &buffer, payloadBytesMax: 1024)
        }
        var atLimit = ByteBuffer()
        WireHeader(version: ClusterWire.protocolVersion, type: 16, payloadByteCount: ClusterWire.payloadBytesMax + 1).write(to: &atLimit)
        #expect(throws: WireError.frameTooLarge(announced: ClusterWire.payloadBytesMax + 1, limit: ClusterWire.payloadBytesMax)) {
            _ = try ClusterWire.decode(from: &atLimit)
        }
    }

    @Test func wrongVersionIsRejectedExceptForHello() throws {
        var desired = ByteBuffer()
        try ClusterWire.encode(.desiredState(sampleDesired), version: 99, into: &desired)
        #expect(throws: WireError.unsupportedVersion(found: 99, supported: ClusterWire.protocolVersion)) {
            _ = try ClusterWire.decode(from: &desired)
        }
        // A hello from another release is still readable, so the mismatch can be named.
        let future = Hello(role: .satellite, protocolVersion: 99, softwareVersion: "9.0.0", nodeName: "beta")
        var hello = ByteBuffer()
        try ClusterWire.encode(.hello(future), version: 99, into: &hello)
        #expect(try ClusterWire.decode(from: &hello) == .hello(future))
        let reason = Hello(role: .controller, nodeName: "beta").incompatibility(with: future)
        #expect(reason?.contains("version mismatch") == true)
        #expect(reason?.contains("9.0.0") == true)
    }

    @Test func helloAgreesOnlyBetweenControllerAndSatelliteOfOneVersion() {
        let controller = Hello(role: .controller, nodeName: "a")
        #expect(controller.incompatibility(with: Hello(role: .satellite, nodeName: "")) == nil)
        #expect(controller.incompatibility(with: Hello(role: .controller, nodeName: "a")) != nil)
    }

    @Test func badMagicAndUnknownTypeAndBadJSONAreNamed() throws {
        var http = ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n")
        #expect(throws: WireError.badMagic(found: 0x4745_5420)) { _ = try ClusterWire.decode(from: &http) }

        var unknown = ByteBuffer()
        WireHeader(version: ClusterWire.protocolVersion, type: 999, payloadByteCount: 0).write(to: &unknown)
        #expect(throws: WireError.unknownMessageType(999)) { _ = try ClusterWire.decode(from: &unknown) }

        var bad = ByteBuffer()
        let body = #"{"generation": 1}"#
        WireHeader(version: ClusterWire.protocolVersion, type: 16, payloadByteCount: UInt32(body.utf8.count)).write(to: &bad)
        bad.writeString(body)
        do {
            _ = try ClusterWire.decode(from: &bad)
            Issue.record("a desired state without a node name must not decode")
        } catch {
            guard case .badPayload(let type, let reason) = error else { Issue.record("\(error)"); return }
            #expect(type == "desired-state")
            #expect(reason.contains("nodeName"))
        }
    }

    @Test func encoderHandlerWritesFrames() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(ClusterFrameEncoder()))
        try channel.writeOutbound(ClusterMessage.ping(9))
        var out = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(try ClusterWire.decode(from: &out) == .ping(9))
        _ = try channel.finish()
    }
}

/// Optional protocol parts are offered in the hello; a hello from a release before features
/// existed offers none, so it only ever gets complete desired states.
@Suite struct ClusterFeatureTests {
    @Test func deltaFrameRoundtripsAndHelloOffersFeatures() throws {
        let delta = NodeDesiredDelta(from: sampleDesired, to: NodeDesiredState(generation: 8, nodeName: "alpha", storagePools: sampleDesired.storagePools, resources: []))
        var buffer = try ClusterWire.encode(.desiredDelta(delta))
        #expect(buffer.getInteger(at: 6, as: UInt16.self) == 18)
        #expect(try ClusterWire.decode(from: &buffer) == .desiredDelta(delta))
        #expect(Hello(role: .satellite, nodeName: "").offers(.desiredDelta))

        let old = #"{"nodeName":"","protocolVersion":1,"role":"satellite","softwareVersion":"0.0.9"}"#
        var frame = ByteBuffer()
        WireHeader(version: 1, type: 1, payloadByteCount: UInt32(old.utf8.count)).write(to: &frame)
        frame.writeString(old)
        guard case .hello(let hello)? = try ClusterWire.decode(from: &frame) else { Issue.record("not a hello"); return }
        #expect(hello.features == nil && !hello.offers(.desiredDelta))
        #expect(Hello(role: .controller, nodeName: "a").incompatibility(with: hello) == nil, "an older release of the same protocol still works")
    }
}
