#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import IdlePolling
import Logging
import NBDProtocol
import NIOCore

/// Serves one NBD connection. It owns the received bytes (`NBDInputBuffer`) and the export handle and executes what
/// `NBDConnectionStateMachine` decides. It decodes only while the state machine accepts input,
/// and asks the channel for more bytes only then, so a client that pipelines without limit is
/// held at `inflightMax` requests plus one read's worth of bytes.
final class NBDServerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var stateMachine: NBDConnectionStateMachine
    private var decoder: NBDClientMessageDecoder
    private let registry: NBDExportRegistry
    private var logger: Logger
    /// Received bytes not decoded yet (see `NBDInputBuffer`: each payload byte copied at most once).
    private var input = NBDInputBuffer()
    /// The connection's socket, for reading the rest of a large cut WRITE straight into its
    /// buffer (`NBDInputBuffer.readRestDirectly`); nil until found, after the channel closed, and
    /// once a direct read met the end of the stream (NIO's next read reports it).
    private var socketReader: ChannelSocketReader?
    /// The socket's descriptor while the channel is open (nil before it is found).
    var socketDescriptor: CInt? { socketReader?.descriptor }
    /// Bytes of a message are held that do not make a whole one yet (the rest is on its way).
    var holdsPartialRequest: Bool { input.readableBytes > 0 }
    private var export: (any NBDExport)? {
        didSet { eventLoopExport = export as? any NBDEventLoopExport }
    }
    /// The export again when it can run commands from the event loop, looked up once at open
    /// rather than by a dynamic cast on every request.
    private var eventLoopExport: (any NBDEventLoopExport)?
    /// Commands handed to the export and not yet finished, also after the channel closed: the
    /// export is closed only when this reaches zero.
    var executing = 0
    private var readSuppressed = false
    var flushScheduled = false
    /// The export's descriptor for sendfile and this connection's duplicate of it.
    var zeroCopy: (source: Int32, handle: NIOFileHandle)?
    /// Non-zero while the decode loop runs (it can nest when a command completes synchronously):
    /// replies written meanwhile are flushed once at its end.
    var decodingDepth = 0
    var flushAfterDecoding = false
    /// Replies of the current batch, one after another, handed to the channel as one write when
    /// the batch is flushed: one buffer and one pending write per batch, not one per reply. Kept
    /// for the next batch (`clear` reuses its memory once NIO has written and released it).
    var replies = ByteBuffer()
    /// `replies` was handed to the channel; clear it before the next reply goes in.
    var repliesHandedOver = false
    /// True while an export's `execute` runs: a completion called from inside it is in the
    /// decode loop already.
    private var insideExecute = false
    var channelGone = false
    private var exportClosed = false
    /// Where the export reports this connection's commands (made at the first one, let go
    /// when the connection is gone and nothing is executing: it refers back to this handler).
    private var sink: CommandSink?
    private var client = NBDClientIdentity(remoteAddress: "unknown")
    /// This loop's busy-poll before sleeping (nil: the server does not poll), and whether this
    /// connection counts as busy there (commands executing).
    let idlePoll: NBDLoopIdlePoll?
    var countedBusyForPoll = false
    /// Requests received since this connection was last idle.
    var requestsSinceIdle = 0
    /// Whether the client had read every earlier reply when the last replies were flushed
    /// (`noteWhetherClientWaitsForReplies`).
    var clientWaitsForReplies = true

    init(registry: NBDExportRegistry, configuration: NBDConnectionStateMachine.Configuration, logger: Logger,
         idlePoll: NBDLoopIdlePoll? = nil) {
        self.stateMachine = NBDConnectionStateMachine(configuration: configuration)
        self.decoder = NBDClientMessageDecoder(limits: configuration.limits)
        self.registry = registry
        self.logger = logger
        self.idlePoll = idlePoll
    }

    // MARK: - Channel events

    func channelActive(context: ChannelHandlerContext) {
        client = NBDClientIdentity(remoteAddress: context.remoteAddress.map { "\($0)" } ?? "unix socket peer")
        logger[metadataKey: "client"] = "\(client)"
        var greeting = context.channel.allocator.buffer(capacity: NBDWireSize.greeting)
        greeting.writeNBDGreeting(NBDConnectionStateMachine.handshakeFlags)
        context.writeAndFlush(wrapOutboundOut(greeting), promise: nil)
        idlePoll?.watch(context.channel)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        ChannelSocketReader.find(for: context.channel).whenSuccess { reader in
            // `find` answers nil for a channel that closed meanwhile, so a closed one stays nil.
            bound.value.socketReader = reader
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        idlePoll?.inputArrived()
        input.append(unwrapInboundIn(data))
        processInput(context: context, mayReadSocket: true)
    }

    func read(context: ChannelHandlerContext) {
        if stateMachine.acceptsInput {
            context.read()
        } else {
            readSuppressed = true
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            if stateMachine.inputClosed() { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelGone = true
        socketReader = nil  // NIO closes the descriptor: its number may soon be another file's
        reportActivityToIdlePoll()
        try? zeroCopy?.handle.close()  // NIO failed and released every pending write before this
        stateMachine.channelClosed()
        input.removeAll()
        closeExportIfIdle(context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.info("closing NBD connection after error: \(error)")
        context.close(promise: nil)
    }

    // MARK: - Input

    /// Decodes and handles the messages received, while the state machine accepts input.
    /// `mayReadSocket`: called from `channelRead`, where the rest of a large cut WRITE may be
    /// read from the socket directly (`ChannelSocketReader` says why only there).
    private func processInput(context: ChannelHandlerContext, mayReadSocket: Bool = false) {
        decodingDepth += 1
        defer {
            decodingDepth -= 1
            if decodingDepth == 0 {
                if flushAfterDecoding {
                    flushAfterDecoding = false
                    flushReplies(context: context)
                }
                reportActivityToIdlePoll()
            }
        }
        decoding: while stateMachine.acceptsInput {
            if !input.prepareMessage(for: decoder, allocator: context.channel.allocator) {
                guard mayReadSocket, let reader = socketReader else { break }
                switch input.readRestDirectly(for: decoder, from: reader, allocator: context.channel.allocator) {
                case .complete: continue decoding
                case .incomplete: break decoding
                case .ended: socketReader = nil; break decoding
                }
            }
            let message: NBDClientMessage?
            let heldBefore = input.readableBytes
            do {
                message = try input.decodeFront { try decoder.decode(buffer: &$0) }
            } catch {
                input.removeAll()
                fatal(context: context, "protocol violation: \(error)")
                return
            }
            guard let message else {
                // Part of an oversized message was skipped: go on with what follows it.
                if input.readableBytes < heldBefore { continue }
                break
            }
            handle(message, context: context)
        }
        if readSuppressed && stateMachine.acceptsInput {
            readSuppressed = false
            context.read()
        }
    }

    private func handle(_ message: NBDClientMessage, context: ChannelHandlerContext) {
        switch message {
        case let .clientFlags(flags):
            perform(stateMachine.receivedClientFlags(flags), context: context)
        case let .option(request):
            perform(stateMachine.receivedOption(request), context: context)
        case let .oversizedOption(code, length):
            perform(stateMachine.receivedOversizedOption(code, length: length), context: context)
        case let .request(request, payload):
            requestsSinceIdle += 1
            perform(stateMachine.receivedRequest(request, payload: payload), context: context)
        case let .oversizedWrite(request):
            perform(stateMachine.receivedOversizedWrite(request), context: context)
        }
    }

    // MARK: - Options

    private func perform(_ action: NBDConnectionStateMachine.OptionAction, context: ChannelHandlerContext) {
        switch action {
        case let .reply(replies):
            writeOptionReplies(replies, context: context)
        case let .replyAndClose(replies):
            writeOptionReplies(replies, context: context)
            context.close(promise: nil)
        case .listExports:
            listExports(context: context)
        case let .lookUpExport(name, purpose):
            lookUpExport(name, purpose: purpose, context: context)
        case let .close(reason):
            fatal(context: context, reason)
        }
    }

    private func writeOptionReplies(_ replies: [NBDOptionReply], context: ChannelHandlerContext) {
        guard !replies.isEmpty else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64 * replies.count)
        for reply in replies { buffer.writeNBDOptionReply(reply) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func listExports(context: ChannelHandlerContext) {
        let sources = registry.all()
        let described = context.eventLoop.makeFutureWithTask { () -> [ExportListEntry] in
            var entries: [ExportListEntry] = []
            for (name, source) in sources {
                // An export that cannot describe itself right now is still listed by name.
                let text = (try? await source.describe().text) ?? ""
                entries.append(ExportListEntry(name: name.description, text: text))
            }
            return entries
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        described.whenSuccess { entries in
            let (handler, context) = bound.value
            let replies = handler.stateMachine.listFinished(entries.map { ($0.name, $0.text) })
            handler.writeOptionReplies(replies, context: context)
            handler.processInput(context: context)
        }
    }

    private func lookUpExport(_ requestedName: String, purpose: NBDConnectionStateMachine.OpenPurpose, context: ChannelHandlerContext) {
        guard let (name, source) = registry.lookup(requestedName) else {
            perform(stateMachine.openFinished(requestedName: requestedName, .notFound), opened: nil, context: context)
            return
        }
        let client = self.client
        let opening = context.eventLoop.makeFutureWithTask { () -> OpenAttempt in
            do {
                if case .info = purpose {
                    return OpenAttempt(result: .found(name, try await source.describe()), export: nil)
                }
                let export = try await source.open(for: client)
                let description = NBDExportDescription(size: export.size, features: export.features)
                return OpenAttempt(result: .found(name, description), export: export)
            } catch let refusal as NBDOpenRefusal {
                return OpenAttempt(result: .refused(refusal), export: nil)
            } catch {
                return OpenAttempt(result: .refused(NBDOpenRefusal(.unavailable, "export \(name) cannot be opened: \(error)")), export: nil)
            }
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        opening.whenSuccess { attempt in
            let (handler, context) = bound.value
            let outcome = handler.stateMachine.openFinished(requestedName: requestedName, attempt.result)
            handler.perform(outcome, opened: attempt.export, context: context)
        }
    }

    private func perform(_ outcome: NBDConnectionStateMachine.OpenOutcome, opened: (any NBDExport)?, context: ChannelHandlerContext) {
        switch outcome {
        case let .reply(replies):
            if let opened { Task { await opened.close() } }
            writeOptionReplies(replies, context: context)
        case let .enterTransmission(replies):
            export = opened
            writeOptionReplies(replies, context: context)
            logger.debug("transmission started")
        case let .enterTransmissionAfterExportNameReply(size, flags, zeroes):
            export = opened
            var buffer = context.channel.allocator.buffer(capacity: NBDWireSize.exportNameReply + NBDWireSize.exportNameReplyZeroes)
            buffer.writeNBDExportNameReply(size: size, flags: flags, zeroes: zeroes)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case let .close(reason):
            if let opened { Task { await opened.close() } }
            fatal(context: context, reason)
            return
        }
        processInput(context: context)
    }

    // MARK: - Transmission

    private func perform(_ action: NBDConnectionStateMachine.RequestAction, context: ChannelHandlerContext) {
        switch action {
        case let .execute(command):
            execute(command, context: context)
        case let .reply(frame):
            writeReply(frame, context: context)
        case .closeWhenDrained:
            if stateMachine.isClosed { context.close(promise: nil) }
        case let .close(reason):
            fatal(context: context, reason)
        }
    }

    private func execute(_ command: NBDCommand, context: ChannelHandlerContext) {
        guard let export else { preconditionFailure("command executed without an open export") }
        // A cached READ is answered in this tick: no future, no closure, no hop. It is part of
        // the decode loop, so the replies of one batch of requests leave in one flush.
        if case let .read(_, offset, length) = command, let direct = eventLoopExport,
           let data = direct.readImmediately(offset: offset, length: length) {
            executing += 1
            finished(command, .success(data), context: context, resumeInput: false)
            return
        }
        // A large READ the page cache holds goes out with sendfile: no copy through user space.
        if case let .read(_, offset, length) = command, length >= Self.zeroCopyReadBytesMin, let direct = eventLoopExport,
           let fd = direct.pageCacheFile(offset: offset, length: length), let file = zeroCopyFile(duplicating: fd) {
            sendFromFile(command, file: file, offset: offset, length: length, context: context)
            return
        }
        executing += 1
        if let direct = eventLoopExport {
            // A command the export finishes before `execute` returns is answered inside this
            // decode loop (one flush per batch), without starting another decode loop in it.
            let sink = self.sink ?? CommandSink(handler: self, context: context)
            self.sink = sink
            insideExecute = true
            direct.execute(command, on: context.eventLoop, reportingTo: sink)
            insideExecute = false
        } else {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.makeFutureWithTask { await Self.run(command, on: export) }.whenSuccess { result in
                let (handler, context) = bound.value
                handler.finished(command, result, context: context, resumeInput: true)
            }
        }
    }

    /// The outcome of a command the export ran from the event loop.
    fileprivate func commandFinished(_ command: NBDCommand, _ result: Result<ByteBuffer?, NBDExportError>, context: ChannelHandlerContext) {
        finished(command, result, context: context, resumeInput: !insideExecute)
    }

    /// `resumeInput`: false when called from inside the decode loop, which goes on by itself.
    private func finished(_ command: NBDCommand, _ result: Result<ByteBuffer?, NBDExportError>,
                          context: ChannelHandlerContext, resumeInput: Bool) {
        executing -= 1
        switch stateMachine.commandFinished(command, result) {
        case let .reply(frame):
            writeReply(frame, context: context)
            if resumeInput { processInput(context: context) }
        case let .replyAndClose(frame):
            writeReply(frame, context: context)
            flushReplies(context: context)  // the scheduled flush would run after the close
            context.close(promise: nil)
        case .drop:
            break
        }
        if channelGone { reportActivityToIdlePoll() }
        closeExportIfIdle(context: context)
    }

    private static func run(_ command: NBDCommand, on export: any NBDExport) async -> Result<ByteBuffer?, NBDExportError> {
        do {
            switch command {
            case let .read(_, offset, length):
                return .success(try await export.read(offset: offset, length: length))
            case let .write(_, offset, data, fua):
                try await export.write(offset: offset, data: data, fua: fua)
            case .flush:
                try await export.flush()
            case let .trim(_, offset, length, fua):
                try await export.trim(offset: offset, length: length, fua: fua)
            case let .writeZeroes(_, offset, length, fua, mayPunchHoles):
                try await export.writeZeroes(offset: offset, length: length, fua: fua, mayPunchHoles: mayPunchHoles)
            }
            return .success(nil)
        } catch let error as NBDExportError {
            return .failure(error)
        } catch {
            return .failure(.io("\(error)"))
        }
    }

    // MARK: - Closing

    private func fatal(context: ChannelHandlerContext, _ reason: String) {
        logger.info("closing NBD connection: \(reason)")
        stateMachine.channelClosed()
        context.close(promise: nil)
    }

    func closeExportIfIdle(context: ChannelHandlerContext) {
        guard channelGone, executing == 0, !exportClosed, let export else { return }
        exportClosed = true
        sink?.detach()  // no command is left to report; the sink and this handler may go
        sink = nil
        Task { await export.close() }
    }
}

/// The connection's `NBDCommandSink`. Sendable only as the protocol requires: the export calls
/// it on the connection's event loop, which every call checks, as NIOLoopBound does.
private final class CommandSink: NBDCommandSink, @unchecked Sendable {
    private var target: (handler: NBDServerHandler, context: ChannelHandlerContext)?
    private let eventLoop: any EventLoop

    init(handler: NBDServerHandler, context: ChannelHandlerContext) {
        target = (handler, context)
        eventLoop = context.eventLoop
    }

    func commandFinished(_ command: NBDCommand, _ result: Result<ByteBuffer?, NBDExportError>) {
        eventLoop.preconditionInEventLoop()
        guard let (handler, context) = target else {
            preconditionFailure("an NBD command finished after its connection let go of its export")
        }
        handler.commandFinished(command, result, context: context)
    }

    func detach() {
        eventLoop.preconditionInEventLoop()
        target = nil
    }
}

private struct ExportListEntry: Sendable {
    var name: String
    var text: String
}

private struct OpenAttempt: Sendable {
    var result: NBDConnectionStateMachine.OpenResult
    var export: (any NBDExport)?
}
