import NBDProtocol
import NIOCore

/// One connection's protocol state: greeting → option haggling → transmission → closed. It takes
/// decoded messages and results of export calls, and returns what to do; it performs no I/O, so
/// every rule here is unit-tested without a socket (cf. swift-nio's upgrader state machines).
public struct NBDConnectionStateMachine: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var limits: NBDLimits
        /// Requests executing at once on one connection; beyond this the handler stops reading.
        public var inflightMax: Int
        public var preferredBlockSize: UInt32

        public init(limits: NBDLimits = .default, inflightMax: Int = 64, preferredBlockSize: UInt32 = 4096) {
            precondition(inflightMax >= 1, "the in-flight window needs at least one slot")
            self.limits = limits
            self.inflightMax = inflightMax
            self.preferredBlockSize = preferredBlockSize
        }
    }

    /// Why the export is being looked up.
    public enum OpenPurpose: Sendable, Hashable {
        case info(requested: [NBDInfoType])
        case go(requested: [NBDInfoType])
        case exportName
    }

    /// Result of looking up and opening (or describing) an export.
    public enum OpenResult: Sendable, Hashable {
        case found(NBDExportName, NBDExportDescription)
        case notFound
        case refused(NBDOpenRefusal)
    }

    public enum OptionAction: Sendable, Hashable {
        case reply([NBDOptionReply])
        /// ABORT: send the replies, then close.
        case replyAndClose([NBDOptionReply])
        /// LIST: the handler describes every registered export and calls `listReplies`.
        case listExports
        /// INFO (describe only) or GO/EXPORT_NAME (open): the handler looks the name up and
        /// reports with `openFinished`. No further input is decoded until then.
        case lookUpExport(name: String, purpose: OpenPurpose)
        case close(reason: String)
    }

    public enum OpenOutcome: Sendable, Hashable {
        /// Option replies; negotiation continues (INFO, or a failed GO).
        case reply([NBDOptionReply])
        /// GO succeeded: send these replies and start transmission.
        case enterTransmission([NBDOptionReply])
        /// EXPORT_NAME succeeded: send its special reply and start transmission.
        case enterTransmissionAfterExportNameReply(size: UInt64, flags: NBDTransmissionFlags, zeroes: Bool)
        /// EXPORT_NAME failed: the spec allows no error reply, only closing.
        case close(reason: String)
    }

    public enum RequestAction: Sendable, Hashable {
        case execute(NBDCommand)
        case reply(NBDReplyFrame)
        /// DISC: answer nothing, finish what is in flight, then close.
        case closeWhenDrained
        case close(reason: String)
    }

    struct Negotiation: Sendable, Hashable {
        var noZeroes = false
        var structuredReplies = false
    }

    struct Transmission: Sendable, Hashable {
        var structuredReplies: Bool
        var size: UInt64
        var features: NBDExportFeatures
        var inflight = 0
    }

    enum State: Sendable, Hashable {
        case awaitingClientFlags
        case negotiating(Negotiation)
        case lookingUp(Negotiation, OpenPurpose)
        case listing(Negotiation)
        case transmitting(Transmission)
        /// DISC received or the client closed its side: no new requests, finish in-flight ones.
        case draining(Transmission)
        case closed
    }

    public let configuration: Configuration
    private(set) var state: State = .awaitingClientFlags

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Flags for the greeting the server sends on connect.
    public static let handshakeFlags: NBDHandshakeFlags = [.fixedNewstyle, .noZeroes]

    /// Whether the handler may decode and hand over the next message now.
    public var acceptsInput: Bool {
        switch state {
        case .awaitingClientFlags, .negotiating: true
        case let .transmitting(transmission): transmission.inflight < configuration.inflightMax
        case .lookingUp, .listing, .draining, .closed: false
        }
    }

    public var isInTransmission: Bool {
        if case .transmitting = state { return true }
        return false
    }

    public var isClosed: Bool { state == .closed }

    public var inflight: Int {
        switch state {
        case let .transmitting(transmission), let .draining(transmission): transmission.inflight
        default: 0
        }
    }

    // MARK: - Handshake and options

    public mutating func receivedClientFlags(_ flags: NBDClientFlags) -> OptionAction {
        guard case .awaitingClientFlags = state else { return close("client flags sent twice") }
        guard NBDClientFlags.known.isSuperset(of: flags) else {
            return close("client set unknown handshake flags 0x\(String(flags.rawValue, radix: 16))")
        }
        state = .negotiating(Negotiation(noZeroes: flags.contains(.noZeroes)))
        return .reply([])
    }

    public mutating func receivedOption(_ request: NBDOptionRequest) -> OptionAction {
        guard case var .negotiating(negotiation) = state else {
            return close("\(request.code) sent outside option haggling")
        }
        let option: NBDOption
        switch request.parse() {
        case let .success(parsed): option = parsed
        case let .failure(error): return .reply([.error(request.code, .errInvalid, error.description)])
        }
        switch option {
        case .abort:
            state = .closed
            return .replyAndClose([.ack(.abort)])
        case .list:
            state = .listing(negotiation)
            return .listExports
        case .structuredReply:
            negotiation.structuredReplies = true
            state = .negotiating(negotiation)
            return .reply([.ack(.structuredReply)])
        case let .info(info):
            state = .lookingUp(negotiation, .info(requested: info.requestedInfo))
            return .lookUpExport(name: info.exportName, purpose: .info(requested: info.requestedInfo))
        case let .go(info):
            state = .lookingUp(negotiation, .go(requested: info.requestedInfo))
            return .lookUpExport(name: info.exportName, purpose: .go(requested: info.requestedInfo))
        case let .exportName(name):
            state = .lookingUp(negotiation, .exportName)
            return .lookUpExport(name: name, purpose: .exportName)
        case let .unsupported(code, _):
            return .reply([.error(code, .errUnsupported, "\(code) is not supported by this server")])
        }
    }

    /// An option whose data exceeded the limit was skipped.
    public mutating func receivedOversizedOption(_ code: NBDOptionCode, length: UInt32) -> OptionAction {
        guard case .negotiating = state else { return close("\(code) sent outside option haggling") }
        return .reply([.error(code, .errTooBig, "\(code) carries \(length) bytes; at most \(configuration.limits.optionDataMax) are accepted")])
    }

    /// The LIST answer: one NBD_REP_SERVER per export, then ACK. Empty if the connection closed.
    public mutating func listFinished(_ exports: [(name: String, text: String)]) -> [NBDOptionReply] {
        guard case let .listing(negotiation) = state else { return [] }
        state = .negotiating(negotiation)
        return exports.map { NBDOptionReply.server(.list, name: $0.name, description: $0.text) } + [.ack(.list)]
    }

    public mutating func openFinished(requestedName: String, _ result: OpenResult) -> OpenOutcome {
        guard case let .lookingUp(negotiation, purpose) = state else {
            precondition(state == .closed, "openFinished without a pending lookup (state \(state))")
            return .close(reason: "connection closed while the export was being opened")
        }
        let option: NBDOptionCode
        let requested: [NBDInfoType]
        switch purpose {
        case let .info(items): option = .info; requested = items
        case let .go(items): option = .go; requested = items
        case .exportName: option = .exportName; requested = []
        }
        switch result {
        case .notFound:
            state = .negotiating(negotiation)
            if purpose == .exportName {
                state = .closed
                return .close(reason: "client asked for unknown export \"\(requestedName)\"")
            }
            return .reply([.error(option, .errUnknown, "no export named \"\(requestedName)\"; NBD_OPT_LIST shows the exports")])
        case let .refused(refusal):
            if purpose == .exportName {
                state = .closed
                return .close(reason: "export \"\(requestedName)\" refused: \(refusal.reason)")
            }
            state = .negotiating(negotiation)
            return .reply([.error(option, refusal.replyType, refusal.reason)])
        case let .found(name, description):
            let flags = transmissionFlags(description.features)
            switch purpose {
            case .exportName:
                state = .transmitting(Transmission(structuredReplies: negotiation.structuredReplies, size: description.size,
                                                   features: description.features))
                return .enterTransmissionAfterExportNameReply(size: description.size, flags: flags, zeroes: !negotiation.noZeroes)
            case .info:
                state = .negotiating(negotiation)
                return .reply(infoReplies(option, name: name, description, flags: flags, requested: requested))
            case .go:
                state = .transmitting(Transmission(structuredReplies: negotiation.structuredReplies, size: description.size,
                                                   features: description.features))
                return .enterTransmission(infoReplies(option, name: name, description, flags: flags, requested: requested))
            }
        }
    }

    private func transmissionFlags(_ features: NBDExportFeatures) -> NBDTransmissionFlags {
        features.transmissionFlags
    }

    private func infoReplies(_ option: NBDOptionCode, name: NBDExportName, _ description: NBDExportDescription,
                             flags: NBDTransmissionFlags, requested: [NBDInfoType]) -> [NBDOptionReply] {
        // EXPORT is mandatory; BLOCK_SIZE is sent unasked (the spec allows it) so clients learn
        // the payload limit instead of discovering it through errors.
        var replies: [NBDOptionReply] = [.info(option, .export(size: description.size, flags: flags))]
        if requested.contains(.name) { replies.append(.info(option, .name(name.description))) }
        if requested.contains(.description), !description.text.isEmpty {
            replies.append(.info(option, .description(description.text)))
        }
        replies.append(.info(option, .blockSize(minimum: 1, preferred: configuration.preferredBlockSize,
                                                maximum: configuration.limits.payloadMax)))
        replies.append(.ack(option))
        return replies
    }

    // MARK: - Transmission

    public mutating func receivedRequest(_ request: NBDRequest, payload: ByteBuffer?) -> RequestAction {
        guard case var .transmitting(transmission) = state else {
            return closeRequest("\(request.type) sent before an export was selected")
        }
        if request.type == .disconnect {
            state = transmission.inflight == 0 ? .closed : .draining(transmission)
            return .closeWhenDrained
        }
        switch validate(request, payload: payload, transmission) {
        case let .failure(refusal):
            return .reply(errorFrame(request, refusal.code, refusal.message, structured: transmission.structuredReplies))
        case let .success(command):
            transmission.inflight += 1
            precondition(transmission.inflight <= configuration.inflightMax, "request decoded beyond the in-flight window")
            state = .transmitting(transmission)
            return .execute(command)
        }
    }

    /// A WRITE longer than the payload limit; its data was skipped by the decoder.
    public mutating func receivedOversizedWrite(_ request: NBDRequest) -> RequestAction {
        guard case let .transmitting(transmission) = state else {
            return closeRequest("\(request.type) sent before an export was selected")
        }
        let message = "write of \(request.length) bytes exceeds the maximum of \(configuration.limits.payloadMax) bytes"
        return .reply(errorFrame(request, .invalid, message, structured: transmission.structuredReplies))
    }

    public enum CompletionAction: Sendable, Hashable {
        case reply(NBDReplyFrame)
        /// Send the reply, then close: it was the last one a disconnecting client waited for.
        case replyAndClose(NBDReplyFrame)
        /// The connection is already gone; drop the result.
        case drop
    }

    /// An executed command finished; `result` is the data for a READ or nil, or the error.
    public mutating func commandFinished(_ command: NBDCommand, _ result: Result<ByteBuffer?, NBDExportError>) -> CompletionAction {
        guard let (structured, closeAfter) = finishCommand() else { return .drop }
        let frame = replyFrame(command, result, structured: structured)
        return closeAfter ? .replyAndClose(frame) : .reply(frame)
    }

    public enum FileDataCompletion: Sendable, Hashable {
        /// Send the reply header `readHeader` encodes, then the data from the file.
        case send(structured: Bool)
        /// The same, then close: it was the last reply a disconnecting client waited for.
        case sendAndClose(structured: Bool)
        /// The connection is already gone.
        case drop
    }

    /// A READ succeeded and its data will be sent from a file (sendfile) rather than a buffer.
    public mutating func readFinishedFromFile(_ command: NBDCommand) -> FileDataCompletion {
        precondition(command.isRead, "only a READ has data")
        guard let (structured, closeAfter) = finishCommand() else { return .drop }
        return closeAfter ? .sendAndClose(structured: structured) : .send(structured: structured)
    }

    /// The header of a successful READ reply whose `length` data bytes follow it on the wire.
    public static func writeReadReplyHeader(_ command: NBDCommand, structured: Bool, into buffer: inout ByteBuffer) {
        guard case let .read(cookie, offset, length) = command else { preconditionFailure("only a READ has data") }
        if structured {
            buffer.writeNBDStructuredReplyHeader(flags: .done, type: .offsetData, cookie: cookie, payloadLength: UInt32(8 + length))
            buffer.writeInteger(offset)
        } else {
            buffer.writeNBDSimpleReply(NBDSimpleReply(error: .ok, cookie: cookie))
        }
    }

    /// Bookkeeping of a finished command: nil when the connection is gone, else whether replies
    /// are structured and whether this was the last one before closing.
    private mutating func finishCommand() -> (structured: Bool, closeAfter: Bool)? {
        switch state {
        case var .transmitting(transmission):
            transmission.inflight -= 1
            state = .transmitting(transmission)
            return (transmission.structuredReplies, false)
        case var .draining(transmission):
            transmission.inflight -= 1
            if transmission.inflight == 0 {
                state = .closed
                return (transmission.structuredReplies, true)
            }
            state = .draining(transmission)
            return (transmission.structuredReplies, false)
        case .closed:
            return nil
        case .awaitingClientFlags, .negotiating, .lookingUp, .listing:
            preconditionFailure("a command finished outside transmission (state \(state))")
        }
    }

    /// The client closed its sending side. Returns true if the connection can close now, false
    /// if requests are still in flight (the last `commandFinished` then says to close).
    public mutating func inputClosed() -> Bool {
        switch state {
        case let .transmitting(transmission) where transmission.inflight > 0:
            state = .draining(transmission)
            return false
        case .draining:
            return false
        default:
            state = .closed
            return true
        }
    }

    /// The channel is gone; every later result is dropped.
    public mutating func channelClosed() {
        state = .closed
    }

    // MARK: - Helpers

    private mutating func close(_ reason: String) -> OptionAction {
        state = .closed
        return .close(reason: reason)
    }

    private mutating func closeRequest(_ reason: String) -> RequestAction {
        state = .closed
        return .close(reason: reason)
    }

    private func validate(_ request: NBDRequest, payload: ByteBuffer?, _ transmission: Transmission) -> Result<NBDCommand, NBDExportError> {
        let features = transmission.features
        let flags = request.flags
        let fua = flags.contains(.fua)
        if fua && !features.contains(.fua) {
            return .failure(NBDExportError(.invalid, "FUA flag sent but the export does not advertise it"))
        }
        let allowedFlags: NBDCommandFlags
        switch request.type {
        case .read: allowedFlags = [.fua]
        case .write, .trim, .flush: allowedFlags = [.fua]
        case .writeZeroes: allowedFlags = [.fua, .noHole]
        default:
            return .failure(NBDExportError(.invalid, "\(request.type) is not supported by this server"))
        }
        guard allowedFlags.isSuperset(of: flags) else {
            return .failure(NBDExportError(.invalid, "flags 0x\(String(flags.rawValue, radix: 16)) are not valid for \(request.type)"))
        }
        let isWrite = request.type == .write || request.type == .trim || request.type == .writeZeroes
        if isWrite && features.contains(.readOnly) {
            return .failure(NBDExportError(.permissionDenied, "the export is read-only"))
        }
        switch request.type {
        case .flush:
            guard features.contains(.flush) else { return .failure(NBDExportError(.invalid, "the export does not advertise FLUSH")) }
            guard request.offset == 0, request.length == 0 else {
                return .failure(NBDExportError(.invalid, "FLUSH must have offset and length 0"))
            }
            return .success(.flush(cookie: request.cookie))
        case .trim:
            guard features.contains(.trim) else { return .failure(NBDExportError(.invalid, "the export does not advertise TRIM")) }
        case .writeZeroes:
            guard features.contains(.writeZeroes) else {
                return .failure(NBDExportError(.invalid, "the export does not advertise WRITE_ZEROES"))
            }
        default:
            break
        }
        if let failure = checkRange(request, size: transmission.size, isWrite: isWrite) { return .failure(failure) }
        let length = Int(request.length)
        switch request.type {
        case .read:
            return .success(.read(cookie: request.cookie, offset: request.offset, length: length))
        case .write:
            guard let payload, payload.readableBytes == length else {
                preconditionFailure("decoder delivered a WRITE without its exact payload")
            }
            return .success(.write(cookie: request.cookie, offset: request.offset, data: payload, fua: fua))
        case .trim:
            return .success(.trim(cookie: request.cookie, offset: request.offset, length: length, fua: fua))
        default:
            return .success(.writeZeroes(cookie: request.cookie, offset: request.offset, length: length, fua: fua,
                                         mayPunchHoles: !flags.contains(.noHole)))
        }
    }

    private func checkRange(_ request: NBDRequest, size: UInt64, isWrite: Bool) -> NBDExportError? {
        guard request.length > 0 else { return NBDExportError(.invalid, "\(request.type) with length 0") }
        if request.type == .read, request.length > configuration.limits.payloadMax {
            return NBDExportError(.invalid, "read of \(request.length) bytes exceeds the maximum of \(configuration.limits.payloadMax) bytes")
        }
        let (end, overflow) = request.offset.addingReportingOverflow(UInt64(request.length))
        guard !overflow, end <= size else {
            let message = "\(request.type) of \(request.length) bytes at offset \(request.offset) goes beyond the export's end (\(size) bytes)"
            // The spec: writing past the end is ENOSPC, reading or trimming past it EINVAL.
            return NBDExportError(isWrite && request.type != .trim ? .noSpace : .invalid, message)
        }
        return nil
    }

    private func errorFrame(_ request: NBDRequest, _ code: NBDErrorCode, _ message: String, structured: Bool) -> NBDReplyFrame {
        if structured && request.type == .read {
            return .structured(NBDStructuredReplyChunk(flags: .done, cookie: request.cookie, payload: .error(code, message: message)))
        }
        return .simple(NBDSimpleReply(error: code, cookie: request.cookie), data: nil)
    }

    private func replyFrame(_ command: NBDCommand, _ result: Result<ByteBuffer?, NBDExportError>, structured: Bool) -> NBDReplyFrame {
        let cookie = command.cookie
        switch result {
        case let .success(data):
            if case let .read(_, offset, length) = command {
                guard let data, data.readableBytes == length else {
                    return replyFrame(command, .failure(.io("the export returned a short read")), structured: structured)
                }
                if structured {
                    return .structured(NBDStructuredReplyChunk(flags: .done, cookie: cookie, payload: .offsetData(offset: offset, data: data)))
                }
                return .simple(NBDSimpleReply(error: .ok, cookie: cookie), data: data)
            }
            return .simple(NBDSimpleReply(error: .ok, cookie: cookie), data: nil)
        case let .failure(error):
            if structured && command.isRead {
                return .structured(NBDStructuredReplyChunk(flags: .done, cookie: cookie, payload: .error(error.code, message: error.message)))
            }
            return .simple(NBDSimpleReply(error: error.code, cookie: cookie), data: nil)
        }
    }
}
