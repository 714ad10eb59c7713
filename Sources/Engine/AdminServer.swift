import EngineAdmin
import EngineAdminClient
import Logging
import NIOCore
import NIOPosix

/// The admin socket (`<state>/run/admin.sock`): newline-delimited JSON requests, one response
/// line each; `events` turns the connection into a stream of event lines. A malformed line gets
/// an error response and the connection is closed; nothing is changed by it.
enum AdminServer {
    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func start(path: String, supervisor: EngineSupervisor, group: any EventLoopGroup, logger: Logger) async throws -> any Channel {
        let server = try await ServerBootstrap(group: group)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineFrameDecoder(lineBytesMax: AdminProtocol.lineBytesMax)))
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        let channel = server.channel
        Task {
            do {
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        Task { await serve(connection, supervisor: supervisor, logger: logger) }
                    }
                }
            } catch {
                logger.error("admin socket \(path) stopped: \(error)")
            }
        }
        return channel
    }

    static func serve(_ connection: Connection, supervisor: EngineSupervisor, logger: Logger) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await line in inbound {
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
                    let response = await supervisor.handle(request)
                    try await outbound.write(AdminJSON.encodeLine(response))
                }
            }
        } catch {
            logger.debug("admin connection ended: \(error)")
        }
    }

    static func streamEvents(_ request: AdminRequest, supervisor: EngineSupervisor, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        let stream = await supervisor.subscribe(request.resource)
        for await event in stream {
            try await outbound.write(AdminJSON.encodeLine(AdminResponse(ok: true, event: event)))
            if request.now && event == .endOfDump { return }
        }
    }
}
