import IdlePolling
import NIOCore

/// Replies of a batch of requests: gathered in one buffer and handed to the channel as one write
/// when the batch is flushed (one allocation and one pending write per batch, not per reply).
extension NBDServerHandler {
    func writeReply(_ frame: NBDReplyFrame, context: ChannelHandlerContext) {
        guard !channelGone else { return }
        prepareReplies(context: context)
        if var data = frame.encode(into: &replies) {
            // Small READ data travels behind its header in the batch's buffer; a large one goes
            // as its own write, after the replies before it (and its header).
            if data.readableBytes <= Self.coalescedDataBytesMax {
                replies.writeBuffer(&data)
            } else {
                handOverReplies(context: context)
                context.write(wrapOutboundOut(data), promise: nil)
            }
        }
        if decodingDepth > 0 {
            flushAfterDecoding = true
        } else {
            scheduleFlush(context: context)
        }
    }

    /// READ data up to this size is copied behind its reply header (cheaper than a second write).
    static let coalescedDataBytesMax = 16 << 10
    /// The batch buffer's first size: the replies of a full window of writes (16 B each) or
    /// a few small READs; it grows for more.
    static let replyBufferBytes = 4 << 10
    /// A batch buffer that grew past this (many READ replies with data) is released after its
    /// batch rather than kept for the connection's life.
    static let replyBufferKeptBytesMax = 64 << 10

    /// Makes `replies` ready to take more: cleared after a hand-over (reusing its memory when
    /// NIO has released it, else `clear` allocates anew), allocated on first use.
    func prepareReplies(context: ChannelHandlerContext) {
        if repliesHandedOver {
            repliesHandedOver = false
            if replies.capacity > Self.replyBufferKeptBytesMax {
                replies = context.channel.allocator.buffer(capacity: Self.replyBufferBytes)
            } else {
                replies.clear()
            }
        } else if replies.capacity == 0 {
            replies = context.channel.allocator.buffer(capacity: Self.replyBufferBytes)
        }
    }

    /// Hands the replies gathered so far to the channel (not flushed).
    func handOverReplies(context: ChannelHandlerContext) {
        guard !repliesHandedOver, replies.readableBytes > 0 else { return }
        context.write(wrapOutboundOut(replies), promise: nil)
        repliesHandedOver = true
    }

    /// Sends everything written so far: the batch's replies as one write, then one flush.
    func flushReplies(context: ChannelHandlerContext) {
        if !channelGone {
            noteWhetherClientWaitsForReplies()
            handOverReplies(context: context)
        }
        context.flush()
    }

    /// Before the replies of a one-request busy period leave, whether the client has read every
    /// earlier reply (`SocketOutputQueue`): a client that waits for each reply has, one that is
    /// behind on reading has not, and the loop's idle poll is for the first kind only. Asked
    /// only when the loop would poll (one system call per request then, while the loop spins
    /// anyway); otherwise, and where the kernel cannot tell, the client counts as waiting.
    func noteWhetherClientWaitsForReplies() {
        guard let idlePoll, requestsSinceIdle <= 1, idlePoll.mayPoll, let fd = socketDescriptor else {
            clientWaitsForReplies = true
            return
        }
        clientWaitsForReplies = SocketOutputQueue.isEmpty(descriptor: fd) ?? true
    }

    /// Replies that complete in the same event loop tick leave in one flush (one syscall): the
    /// flush runs after the completions already queued on the loop.
    func scheduleFlush(context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = bound.value
            handler.flushScheduled = false
            handler.flushReplies(context: context)
            handler.reportActivityToIdlePoll()
        }
    }

    /// Tells the loop's idle poll whether this connection has commands executing; called once
    /// the replies written so far are flushed, so "idle" means nothing is left to send either.
    /// Replies waiting for a scheduled flush count as busy: the decode loop that ends before
    /// that flush runs must not report the connection idle (it did, with the previous batch's
    /// answer to whether the client waits for replies, and a poll started behind the flush).
    func reportActivityToIdlePoll() {
        guard let idlePoll else { return }
        if (executing > 0 || flushScheduled) && !channelGone {
            if !countedBusyForPoll { countedBusyForPoll = true; idlePoll.connectionBecameBusy() }
            return
        }
        if channelGone {
            // Replies of commands still executing are never sent: nothing for the poll to wait for.
            if countedBusyForPoll { idlePoll.connectionLeft() }
        } else {
            // A request received in part: the client is sending, not waiting for a reply, and
            // the kernel wakes the loop when the rest lands (polling for it spun through whole
            // 1 MiB transfers: a third of the loop's samples at 1 MiB writes).
            idlePoll.connectionBecameIdle(wasBusy: countedBusyForPoll, requestsServed: requestsSinceIdle,
                                          clientWaitsForReplies: clientWaitsForReplies && !holdsPartialRequest)
        }
        countedBusyForPoll = false
        requestsSinceIdle = 0
    }
}
