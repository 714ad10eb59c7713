import NBDProtocol
import NIOCore
import ReplicationCore

/// Who waits for a client request the runtime handed to the core: a promise (async callers and
/// requests from another event loop), or the NBD connection's sink, told on the runtime's loop,
/// possibly before `submit` returns. The sink serves an NBD command from a connection on the
/// runtime's own loop: the completion goes straight to the NBD handler, without the promise,
/// the mapped future and the callback the promise path allocates for every request, and
/// without a closure of its own (the sink is one object per connection).
enum ClientWaiter: Sendable {
    case promise(EventLoopPromise<ClientResult>)
    case export(any NBDCommandSink, NBDCommand)

    func resume(_ result: ClientResult) {
        switch self {
        case .promise(let promise): promise.succeed(result)
        case .export(let sink, let command): sink.commandFinished(command, VolumeExportHandle.outcome(of: result))
        }
    }
}
