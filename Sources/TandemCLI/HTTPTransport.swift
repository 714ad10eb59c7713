import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import TandemCLICore

/// Why a call did not get an HTTP response. Only `cannotConnect` makes the client move on to
/// the next controller: once a controller accepted the connection, the request may have been
/// applied, and repeating it elsewhere could apply it twice.
public enum TransportError: Error, Sendable, Equatable {
    case cannotConnect(ControllerEndpoint, reason: String)
    case timedOut(ControllerEndpoint, seconds: Int64)
    case broken(ControllerEndpoint, reason: String)
    case replyTooLarge(ControllerEndpoint, limitBytes: Int)
}

/// Sends one request and returns the response; one connection per call.
public protocol RestTransport: Sendable {
    func send(_ request: RestRequest, to endpoint: ControllerEndpoint) async throws(TransportError) -> RestResponse
}

/// HTTP/1.1 over NIO (already a dependency of the controller, so the CLI adds no package).
public struct NIOHTTPTransport: RestTransport {
    public var connectTimeout: TimeAmount
    public var replyTimeout: TimeAmount
    /// The largest reply body accepted. `GET /v1/view/resources` for 30,000 resources is tens of
    /// MiB; anything past this limit is a misbehaving server, not a cluster.
    public var replyBytesMax: Int

    public init(connectTimeout: TimeAmount = .seconds(5), replyTimeout: TimeAmount = .seconds(300), replyBytesMax: Int = 512 << 20) {
        self.connectTimeout = connectTimeout; self.replyTimeout = replyTimeout; self.replyBytesMax = replyBytesMax
    }

    public func send(_ request: RestRequest, to endpoint: ControllerEndpoint) async throws(TransportError) -> RestResponse {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: RestResponse.self)
        let limit = replyBytesMax
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ReplyCollector(promise: promise, endpoint: endpoint, replyBytesMax: limit))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            promise.fail(TransportError.cannotConnect(endpoint, reason: "\(error)"))
            throw .cannotConnect(endpoint, reason: Self.describe(error))
        }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method.rawValue), uri: request.target)
        head.headers.add(name: "Host", value: endpoint.hostHeader)
        head.headers.add(name: "User-Agent", value: "tandem-cli (API1.0.4)")
        head.headers.add(name: "Accept", value: "application/json")
        head.headers.add(name: "Connection", value: "close")
        if let body = request.body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.count))
        } else if request.method != .get {
            head.headers.add(name: "Content-Length", value: "0")
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body = request.body {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let seconds = replyTimeout.nanoseconds / 1_000_000_000
        let timeout = channel.eventLoop.scheduleTask(in: replyTimeout) {
            promise.fail(TransportError.timedOut(endpoint, seconds: seconds))
            channel.close(promise: nil)
        }
        defer {
            timeout.cancel()
            channel.close(promise: nil)
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as TransportError {
            throw error
        } catch {
            throw .broken(endpoint, reason: Self.describe(error))
        }
    }

    /// Connection errors as a person reads them ("connection refused"), not NIO's type dumps.
    static func describe(_ error: any Error) -> String {
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)).lowercased() }
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return describe(first.error) }
            if e.dnsAAAAError != nil || e.dnsAError != nil { return "cannot resolve host name '\(e.host)'" }
            return "cannot connect to \(e.host):\(e.port)"
        }
        if error is ChannelError, case ChannelError.connectTimeout = error as! ChannelError { return "connection timed out" }
        return "\(error)"
    }
}

/// Collects one HTTP response (head, body up to a limit, end) and completes the promise.
final class ReplyCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    let promise: EventLoopPromise<RestResponse>
    let endpoint: ControllerEndpoint
    let replyBytesMax: Int
    var head: HTTPResponseHead?
    var body = ByteBuffer()
    var done = false

    init(promise: EventLoopPromise<RestResponse>, endpoint: ControllerEndpoint, replyBytesMax: Int) {
        self.promise = promise; self.endpoint = endpoint; self.replyBytesMax = replyBytesMax
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
        case .body(var chunk):
            guard body.readableBytes + chunk.readableBytes <= replyBytesMax else {
                finish(.failure(TransportError.replyTooLarge(endpoint, limitBytes: replyBytesMax)))
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard let head else {
                finish(.failure(TransportError.broken(endpoint, reason: "the reply ended before its header")))
                return
            }
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            finish(.success(RestResponse(status: Int(head.status.code), contentType: head.headers.first(name: "Content-Type"), body: Data(bytes))))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(TransportError.broken(endpoint, reason: NIOHTTPTransport.describe(error))))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(TransportError.broken(endpoint, reason: "the controller closed the connection before a full reply")))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<RestResponse, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }
}
