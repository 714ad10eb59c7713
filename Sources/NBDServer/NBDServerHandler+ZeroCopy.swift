#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NBDProtocol
import NIOCore

/// Large cached READs sent from the export's file with sendfile(2): no copy through user space.
extension NBDServerHandler {
    /// READs from this size up are sent with sendfile when the export offers a cached file.
    static let zeroCopyReadBytesMin = 64 << 10

    /// This connection's own duplicate of the export's file: NIO lets one handle be used by one
    /// write at a time, and the duplicate stays valid for the connection whatever the export
    /// does with its descriptor. Closed when the channel is gone (NIO has then dropped every
    /// pending write that used it).
    func zeroCopyFile(duplicating fd: Int32) -> NIOFileHandle? {
        if let zeroCopy, zeroCopy.source == fd { return zeroCopy.handle }
        guard zeroCopy == nil else { return nil }  // the export changed files: use its buffers
        let copy = dup(fd)
        guard copy >= 0 else { return nil }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
        zeroCopy = (fd, handle)
        return handle
    }

    func sendFromFile(_ command: NBDCommand, file: NIOFileHandle, offset: UInt64, length: Int, context: ChannelHandlerContext) {
        let structured: Bool, closeAfter: Bool
        switch stateMachine.readFinishedFromFile(command) {
        case let .send(s): structured = s; closeAfter = false
        case let .sendAndClose(s): structured = s; closeAfter = true
        case .drop: closeExportIfIdle(context: context); return
        }
        if !channelGone {
            // The header joins the batch's replies, which go out before the file's bytes.
            prepareReplies(context: context)
            NBDConnectionStateMachine.writeReadReplyHeader(command, structured: structured, into: &replies)
            handOverReplies(context: context)
            let region = FileRegion(fileHandle: file, readerIndex: Int(offset), endIndex: Int(offset) + length)
            context.write(NIOAny(IOData.fileRegion(region)), promise: nil)
            if closeAfter {
                flushReplies(context: context)
                context.close(promise: nil)
            } else if decodingDepth > 0 {
                flushAfterDecoding = true
            } else {
                scheduleFlush(context: context)
            }
        }
        closeExportIfIdle(context: context)
    }
}
