import EngineAdmin
import EngineAdminClient
import ListenerSupport
import Logging
import NIOCore
import NIOPosix

/// The admin socket (`<state>/run/admin.sock`): newline-delimited JSON requests, one response
/// line each; `events` turns the connection into a stream of event lines. A malformed line gets
/// an error response and the connection is closed; nothing is changed by it.
enum AdminServer {
    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func start(path: String, supervisor: EngineSupervisor, group: any EventLoopGroup, logger: Logger) async throws -> any Channel {
        // See AcceptedChannels: a connection accepted while the socket closes must not be dropped.
        let accepted = AcceptedChannels<ByteBuffer, ByteBuffer>()
        let server = try await ServerBootstrap(group: group)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try accepted.admit(channel) { channel in
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(lineBytesMax: AdminProtocol.lineBytesMax)))
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
            }
        let channel = server.channel
        Task {
            do {
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        accepted.take(connection)
                        Task { await serve(connection, supervisor: supervisor, logger: logger) }
                    }
                }
            } catch {
                logger.error("admin socket \(path) stopped: \(error)")
            }
            await accepted.finishStragglers()
        }
        return channel
    }

    static func serve(_ connection: Connection, supervisor: EngineSupervisor, logger: Logger) async {
        // Set while this connection holds a device registration (`attach-device`); it ends with
        // the connection, however the connection ends.
        var hold: UInt64?
        defer { if let hold { Task { await supervisor.unregisterDevice(hold) } } }
        let channel = connection.channel
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await line in inbound {
                    if hold != nil {
                        // The holder only waits; anything it sends is a protocol error.
                        try await outbound.write(AdminJSON.encodeLine(AdminResponse.failure(
                            "this connection holds a device registration; send other requests on a new connection")))
                        return
                    }
                    let request: AdminRequest
                    do {
                        request = try AdminJSON.decode(AdminRequest.self, from: line)
                    } catch {
                        try await outbound.write(AdminJSON.encodeLine(AdminResponse.failure(
                            "not an admin request (expected one JSON object per line, as `tandem adm` sends): \(error)")))
                        return
                    }
                    if request.verb == .events {
                        try await streamEvents(request, supervisor: supervisor, outbound: outbound)
                        return
                    }
                    if request.verb == .attachDevice {
                        let registered = await supervisor.registerDevice(
                            resource: request.resource ?? "", volume: request.volume, devicePath: request.devicePath) { reason in
                            try? await outbound.write(AdminJSON.encodeLine(AdminResponse.failure(reason)))
                            channel.close(promise: nil)
                        }
                        switch registered {
                        case .success(let id):
                            hold = id
                            try await outbound.write(AdminJSON.encodeLine(AdminResponse(ok: true, messages: [
                                "\(request.devicePath ?? "") registered for \(request.resource ?? "")/\(request.volume ?? 0) while this connection stays open"])))
                        case .failure(let refusal):
                            try await outbound.write(AdminJSON.encodeLine(AdminResponse.failure(refusal.message)))
                            return
                        }
                        continue
                    }
                    let response = await supervisor.handle(request)
                    try await outbound.write(AdminJSON.encodeLine(response))
                }
            }
        } catch {
            logger.debug("admin connection ended: \(error)")
        }
    }

    static func streamEvents(_ request: AdminRequest, supervisor: EngineSupervisor, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        if let refusal = await supervisor.eventsRefusal(request.resource) {
            try await outbound.write(AdminJSON.encodeLine(AdminResponse.failure(refusal)))
            return
        }
        let stream = await supervisor.subscribe(request.resource, statistics: request.statistics ?? false)
        for await event in stream {
            try await outbound.write(AdminJSON.encodeLine(AdminResponse(ok: true, event: event)))
            if request.now && event == .endOfDump { return }
        }
    }
}
