import NIOCore
import ReplicationCore

/// Who waits for a client request the runtime handed to the core: a promise (async callers and
/// requests from another event loop), or a callback run on the runtime's loop, possibly before
/// `submit` returns. The callback serves an NBD request from a connection on the runtime's own
/// loop: the completion goes straight to the NBD handler, without the promise, the mapped
/// future and the callback registration the promise path allocates for every request.
enum ClientWaiter: Sendable {
    case promise(EventLoopPromise<ClientResult>)
    case callback(@Sendable (ClientResult) -> Void)

    func resume(_ result: ClientResult) {
        switch self {
        case .promise(let promise): promise.succeed(result)
        case .callback(let callback): callback(result)
        }
    }
}
