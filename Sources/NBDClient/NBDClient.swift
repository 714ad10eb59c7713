import NBDProtocol
import NBDProtocol
import NIOCore
import NIOPosix

/// Why an NBD client operation failed; `code` is the server's error where it sent one.
public struct NBDClientError: Error, Sendable, CustomStringConvertible {
    public var code: NBDErrorCode?
    public var description: String
    init(code: NBDErrorCode? = nil, _ description: String) {
        self.code = code
        self.description = description
    }
}

/// A connection to an NBD export, usable as an `NBDExport`: that is how a local device (FUSE
/// file + loop) is put in front of any NBD server, and how tests talk to the server.
/// Requests may be issued concurrently; they are pipelined on the one connection.
public final class NBDClient: NBDExport, Sendable {
    public let size: UInt64
    public let features: NBDExportFeatures
    public let transmissionFlags: NBDTransmissionFlags
    /// Largest READ/WRITE the server accepts; larger calls are split.
    public let payloadMax: Int
    private let channel: any Channel

    private init(channel: any Channel, negotiated: NBDNegotiatedExport) {
        self.channel = channel
        self.size = negotiated.size
        self.transmissionFlags = negotiated.flags
        self.payloadMax = Int(max(4096, min(negotiated.blockSizeMaximum, 32 << 20)))
        var features: NBDExportFeatures = []
        let flags = negotiated.flags
        if flags.contains(.readOnly) { features.insert(.readOnly) }
        if flags.contains(.sendFlush) { features.insert(.flush) }
        if flags.contains(.sendFUA) { features.insert(.fua) }
        if flags.contains(.sendTrim) { features.insert(.trim) }
        if flags.contains(.sendWriteZeroes) { features.insert(.writeZeroes) }
        if flags.contains(.canMultiConn) { features.insert(.multiConn) }
        if flags.contains(.rotational) { features.insert(.rotational) }
        self.features = features
    }

    /// Connects over a unix socket and selects `export` with NBD_OPT_GO.
    public static func connect(unixSocket path: String, export: String,
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> NBDClient {
        try await connect(export: export, group: group) { try await $0.connect(unixDomainSocketPath: path).get() }
    }

    /// Connects over TCP and selects `export` with NBD_OPT_GO.
    public static func connect(host: String, port: Int, export: String,
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> NBDClient {
        try await connect(export: export, group: group) { try await $0.connect(host: host, port: port).get() }
    }

    private static func connect(export: String, group: any EventLoopGroup,
                                _ open: (ClientBootstrap) async throws -> any Channel) async throws -> NBDClient {
        let loop = group.next()
        let handshake = loop.makePromise(of: NBDNegotiatedExport.self)
        let bootstrap = ClientBootstrap(group: loop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NBDClientHandler(exportName: export, handshakePromise: handshake))
            }
        }
        let channel: any Channel
        do {
            channel = try await open(bootstrap)
        } catch {
            handshake.fail(error)
            throw NBDClientError("cannot connect to the NBD server: \(error)")
        }
        do {
            let negotiated = try await handshake.futureResult.get()
            return NBDClient(channel: channel, negotiated: negotiated)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private func send(_ type: NBDCommandType, flags: NBDCommandFlags = [], offset: UInt64 = 0, length: UInt32 = 0,
                      payload: ByteBuffer? = nil) async throws -> ByteBuffer? {
        let promise = channel.eventLoop.makePromise(of: ByteBuffer?.self)
        let request = NBDClientRequest(type: type, flags: flags, offset: offset, length: length, payload: payload, promise: promise)
        channel.writeAndFlush(request).cascadeFailure(to: promise)
        return try await promise.futureResult.get()
    }

    public func read(offset: UInt64, length: Int) async throws -> ByteBuffer {
        var result = channel.allocator.buffer(capacity: length)
        var done = 0
        while done < length {
            let count = min(payloadMax, length - done)
            guard var chunk = try await send(.read, offset: offset + UInt64(done), length: UInt32(count)),
                  chunk.readableBytes == count else {
                throw NBDClientError("server sent a short read")
            }
            result.writeBuffer(&chunk)
            done += count
        }
        return result
    }

    public func write(offset: UInt64, data: ByteBuffer, fua: Bool) async throws {
        var done = 0
        while done < data.readableBytes {
            let count = min(payloadMax, data.readableBytes - done)
            let slice = data.getSlice(at: data.readerIndex + done, length: count)!
            _ = try await send(.write, flags: fua ? .fua : [], offset: offset + UInt64(done), length: UInt32(count), payload: slice)
            done += count
        }
    }

    public func flush() async throws {
        _ = try await send(.flush)
    }

    public func trim(offset: UInt64, length: Int, fua: Bool) async throws {
        try await ranged(.trim, offset: offset, length: length, flags: fua ? .fua : [])
    }

    public func writeZeroes(offset: UInt64, length: Int, fua: Bool, mayPunchHoles: Bool) async throws {
        var flags: NBDCommandFlags = fua ? .fua : []
        if !mayPunchHoles { flags.insert(.noHole) }
        try await ranged(.writeZeroes, offset: offset, length: length, flags: flags)
    }

    private func ranged(_ type: NBDCommandType, offset: UInt64, length: Int, flags: NBDCommandFlags) async throws {
        var done = 0
        let step = 1 << 30
        while done < length {
            let count = min(step, length - done)
            _ = try await send(type, flags: flags, offset: offset + UInt64(done), length: UInt32(count))
            done += count
        }
    }

    /// Sends a request exactly as given (no splitting); for tests that probe the server's checks.
    public func raw(_ type: NBDCommandType, flags: NBDCommandFlags = [], offset: UInt64 = 0, length: UInt32 = 0,
                    payload: ByteBuffer? = nil) async throws -> ByteBuffer? {
        try await send(type, flags: flags, offset: offset, length: length, payload: payload)
    }

    /// Sends NBD_CMD_DISC and closes the connection.
    public func close() async {
        let request = NBDClientRequest(type: .disconnect, flags: [], offset: 0, length: 0, payload: nil, promise: nil)
        try? await channel.writeAndFlush(request).get()  // the server may already be gone
        try? await channel.close()
    }

    public var isConnected: Bool { channel.isActive }
}
