import EngineAdmin
import EngineConfig
import NIOCore
import NIOPosix

/// Talks to a running `tandem engine` over its admin socket. This is what `tandem adm` uses and
/// what the satellite should use: every call opens a connection, sends one request and waits for
/// the answer, so a restarted engine is picked up without ceremony.
///
///     let engine = EngineAdminClient(layout: EngineStateLayout(stateDirectory: "/var/lib/tandem/engine"))
///     try await engine.adjust("backups")          // after writing backups.res
///     let reports = try await engine.status()     // [ResourceReport]
///     for try await event in engine.events() { … } // events2 stream
public struct EngineAdminClient: Sendable {
    public let socketPath: String
    /// How long one request may take before the client gives up (up/adjust may wait for disk I/O).
    public var timeout: TimeAmount = .seconds(60)

    public init(socketPath: String) { self.socketPath = socketPath }
    public init(layout: EngineStateLayout) { self.socketPath = layout.adminSocketPath }

    // MARK: commands

    @discardableResult public func up(_ resource: String?) async throws -> AdminResponse { try await run(AdminRequest(verb: .up, resource: resource)) }
    @discardableResult public func down(_ resource: String?) async throws -> AdminResponse { try await run(AdminRequest(verb: .down, resource: resource)) }
    @discardableResult public func adjust(_ resource: String?) async throws -> AdminResponse { try await run(AdminRequest(verb: .adjust, resource: resource)) }
    @discardableResult public func primary(_ resource: String?, force: Bool = false) async throws -> AdminResponse {
        try await run(AdminRequest(verb: .primary, resource: resource, force: force))
    }
    @discardableResult public func secondary(_ resource: String?) async throws -> AdminResponse { try await run(AdminRequest(verb: .secondary, resource: resource)) }
    @discardableResult public func connect(_ resource: String?, discardMyData: Bool = false) async throws -> AdminResponse {
        try await run(AdminRequest(verb: .connect, resource: resource, discardMyData: discardMyData))
    }
    @discardableResult public func disconnect(_ resource: String?) async throws -> AdminResponse { try await run(AdminRequest(verb: .disconnect, resource: resource)) }
    @discardableResult public func invalidate(_ resource: String?) async throws -> AdminResponse { try await run(AdminRequest(verb: .invalidate, resource: resource)) }
    @discardableResult public func verify(_ resource: String?) async throws -> AdminResponse { try await run(AdminRequest(verb: .verify, resource: resource)) }

    /// Every resource (or one) as structured data.
    public func status(_ resource: String? = nil) async throws -> [ResourceReport] {
        try await run(AdminRequest(verb: .status, resource: resource)).resources ?? []
    }

    /// Sends a request; a response with `ok == false` is thrown as `EngineAdminError.refused`.
    public func run(_ request: AdminRequest) async throws -> AdminResponse {
        let response = try await send(request)
        if !response.ok { throw EngineAdminError.refused(response.error ?? "the engine refused without a reason") }
        return response
    }

    /// Sends a request and returns the engine's answer as is.
    public func send(_ request: AdminRequest) async throws -> AdminResponse {
        let channel = try await open()
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) { channel.channel.close(promise: nil) }
        defer { deadline.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(AdminJSON.encodeLine(request))
            for try await line in inbound {
                return try decodeResponse(line)
            }
            throw EngineAdminError.noAnswer(socketPath)
        }
    }

    /// The event stream: with `now`, the current state (`exists …` lines ending in `exists -`)
    /// and then the end; without, the dump followed by every change until the task is cancelled
    /// or the engine stops. With `statistics`, lines carry the counters as `drbdsetup events2
    /// --statistics` prints them (a running resync's rate and ETA among them).
    public func events(_ resource: String? = nil, now: Bool = false, statistics: Bool = false) -> AsyncThrowingStream<EngineEvent, Error> {
        let request = AdminRequest(verb: .events, resource: resource, now: now, statistics: statistics ? true : nil)
        return AsyncThrowingStream(bufferingPolicy: .bufferingNewest(65536)) { continuation in
            let task = Task {
                do {
                    let channel = try await open()
                    try await channel.executeThenClose { inbound, outbound in
                        try await outbound.write(AdminJSON.encodeLine(request))
                        for try await line in inbound {
                            let response = try decodeResponse(line)
                            guard response.ok else { throw EngineAdminError.refused(response.error ?? "refused") }
                            if let event = response.event { continuation.yield(event) }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Registers a local block device made from `resource/volume`'s export (the export must be
    /// open by this process's NBD client) and holds the registration: `registered` runs once the
    /// engine accepted it, and the call returns only when the registration ends, with why: the
    /// engine took the resource down (its reason), or the engine went away. Cancelling the task
    /// closes the connection, which unregisters the device.
    public func holdDevice(_ resource: String, volume: Int, devicePath: String,
                           registered: @Sendable () async -> Void) async throws -> String {
        let request = AdminRequest(verb: .attachDevice, resource: resource, volume: volume, devicePath: devicePath)
        let channel = try await open()
        return try await withTaskCancellationHandler {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(AdminJSON.encodeLine(request))
                var lines = inbound.makeAsyncIterator()
                guard let first = try await lines.next() else { throw EngineAdminError.noAnswer(socketPath) }
                let answer = try decodeResponse(first)
                guard answer.ok else { throw EngineAdminError.refused(answer.error ?? "the engine refused without a reason") }
                await registered()
                while let line = try await lines.next() {
                    let notice = try decodeResponse(line)
                    if let reason = notice.error { return reason }
                }
                return "the engine at \(socketPath) closed the connection (it stopped or restarted); the export is gone"
            }
        } onCancel: {
            channel.channel.close(promise: nil)
        }
    }

    // MARK: plumbing

    private func open() async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(lineBytesMax: AdminProtocol.lineBytesMax)))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as IOError {
            throw EngineAdminError.unreachable(socketPath, EngineAdminError.whyUnreachable(errno: error.errnoCode))
        } catch {
            throw EngineAdminError.unreachable(socketPath, "\(error)" + EngineAdminError.askStateDir)
        }
    }

    private func decodeResponse(_ line: ByteBuffer) throws -> AdminResponse {
        do {
            return try AdminJSON.decode(AdminResponse.self, from: line)
        } catch {
            throw EngineAdminError.malformedAnswer(socketPath, String(buffer: line).prefix(200).description)
        }
    }
}
