import NBDProtocol
import NIOCore

/// One request from `NBDClient`, with the promise its reply completes.
struct NBDClientRequest {
    var type: NBDCommandType
    var flags: NBDCommandFlags
    var offset: UInt64
    var length: UInt32
    var payload: ByteBuffer?
    /// Completed with the READ data (nil for other commands), or failed with `NBDClientError`.
    var promise: EventLoopPromise<ByteBuffer?>?
}

/// What the server told the client during the handshake.
struct NBDNegotiatedExport: Sendable {
    var size: UInt64
    var flags: NBDTransmissionFlags
    var blockSizeMaximum: UInt32
}

/// Drives the client side of fixed newstyle negotiation (NBD_OPT_GO, simple replies) and then
/// matches replies to requests by cookie.
final class NBDClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = NBDClientRequest
    typealias OutboundOut = ByteBuffer

    private var decoder = NBDServerMessageDecoder()
    private var cumulation: ByteBuffer?
    private let exportName: String
    private let handshakePromise: EventLoopPromise<NBDNegotiatedExport>
    private var negotiated = NBDNegotiatedExport(size: 0, flags: [], blockSizeMaximum: 32 << 20)
    private var sawExportInfo = false
    private var handshakeDone = false
    private var nextCookie: UInt64 = 1
    private var pending: [UInt64: EventLoopPromise<ByteBuffer?>] = [:]

    init(exportName: String, handshakePromise: EventLoopPromise<NBDNegotiatedExport>) {
        self.exportName = exportName
        self.handshakePromise = handshakePromise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if cumulation == nil { cumulation = incoming } else { cumulation!.writeBuffer(&incoming) }
        while var buffer = cumulation, buffer.readableBytes > 0 {
            let message: NBDServerMessage?
            do {
                message = try decoder.decode(buffer: &buffer)
            } catch {
                fail(context: context, NBDClientError("server \(context.remoteAddress.map { "\($0)" } ?? "") broke the protocol: \(error)"))
                return
            }
            cumulation = buffer.readableBytes > 0 ? buffer : nil
            guard let message else { break }
            handle(message, context: context)
        }
    }

    private func handle(_ message: NBDServerMessage, context: ChannelHandlerContext) {
        switch message {
        case let .greeting(flags):
            guard flags.contains(.fixedNewstyle) else {
                fail(context: context, NBDClientError("server does not speak fixed newstyle NBD"))
                return
            }
            var out = context.channel.allocator.buffer(capacity: 64)
            out.writeNBDClientFlags(flags.contains(.noZeroes) ? [.fixedNewstyle, .noZeroes] : [.fixedNewstyle])
            let go = NBDOption.go(NBDInfoRequest(exportName: exportName, requestedInfo: [.blockSize]))
            out.writeNBDOption(go.request())
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        case let .optionReply(reply):
            handleOptionReply(reply, context: context)
        case .exportNameReply:
            fail(context: context, NBDClientError("unexpected NBD_OPT_EXPORT_NAME reply"))
        case let .simpleReply(reply, data):
            guard let promise = pending.removeValue(forKey: reply.cookie) else {
                fail(context: context, NBDClientError("server answered unknown cookie \(reply.cookie)"))
                return
            }
            if reply.error == .ok {
                promise.succeed(data)
            } else {
                promise.fail(NBDClientError(code: reply.error, "server answered \(reply.error)"))
            }
        case .structuredReply:
            fail(context: context, NBDClientError("structured reply although none was negotiated"))
        }
    }

    private func handleOptionReply(_ reply: NBDOptionReply, context: ChannelHandlerContext) {
        if reply.type.isError {
            var text = "\(reply.type)"
            if case let .message(message) = reply.payload { text += ": \(message)" }
            fail(context: context, NBDClientError("export \"\(exportName)\" refused: \(text)"))
            return
        }
        switch (reply.type, reply.payload) {
        case let (.info, .info(.export(size, flags))):
            negotiated.size = size
            negotiated.flags = flags
            sawExportInfo = true
        case let (.info, .info(.blockSize(_, _, maximum))):
            negotiated.blockSizeMaximum = maximum
        case (.ack, _):
            guard sawExportInfo else {
                fail(context: context, NBDClientError("server finished NBD_OPT_GO without NBD_INFO_EXPORT"))
                return
            }
            handshakeDone = true
            handshakePromise.succeed(negotiated)
        default:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard handshakeDone else {
            request.promise?.fail(NBDClientError("request before the handshake finished"))
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let cookie = nextCookie
        nextCookie &+= 1
        if let replyPromise = request.promise {
            pending[cookie] = replyPromise
        }
        if request.type == .read { decoder.expectRead(cookie: cookie, length: request.length) }
        var header = context.channel.allocator.buffer(capacity: NBDWireSize.requestHeader)
        header.writeNBDRequest(NBDRequest(flags: request.flags, type: request.type, cookie: cookie,
                                          offset: request.offset, length: request.length))
        if let payload = request.payload {
            context.write(wrapOutboundOut(header), promise: nil)
            context.write(wrapOutboundOut(payload), promise: promise)
        } else {
            context.write(wrapOutboundOut(header), promise: promise)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(NBDClientError("NBD connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context: context, NBDClientError("NBD connection failed: \(error)"))
    }

    private func fail(context: ChannelHandlerContext, _ error: NBDClientError) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: NBDClientError) {
        if !handshakeDone {
            handshakeDone = true
            handshakePromise.fail(error)
        }
        let promises = pending
        pending.removeAll()
        for promise in promises.values { promise.fail(error) }
    }
}
