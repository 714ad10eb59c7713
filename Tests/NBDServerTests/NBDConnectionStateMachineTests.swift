import NIOCore
import Testing
@testable import NBDProtocol
@testable import NBDServer

/// The connection's rules, one event at a time, without a socket.
@Suite struct NBDConnectionStateMachineTests {
    typealias Machine = NBDConnectionStateMachine
    static let size: UInt64 = 1 << 20
    static let description = NBDExportDescription(size: size, features: .standard, text: "test")
    static let name = NBDExportName(resource: "backups", volume: 0)

    func negotiating(inflightMax: Int = 4) -> Machine {
        var machine = Machine(configuration: .init(limits: NBDLimits(payloadMax: 65536), inflightMax: inflightMax))
        #expect(machine.receivedClientFlags([.fixedNewstyle, .noZeroes]) == .reply([]))
        return machine
    }

    func transmitting(structured: Bool = false, features: NBDExportFeatures = .standard, inflightMax: Int = 4) -> Machine {
        var machine = negotiating(inflightMax: inflightMax)
        if structured { _ = machine.receivedOption(NBDOption.structuredReply.request()) }
        _ = machine.receivedOption(NBDOption.go(NBDInfoRequest(exportName: "backups")).request())
        let outcome = machine.openFinished(requestedName: "backups",
                                           .found(Self.name, NBDExportDescription(size: Self.size, features: features)))
        guard case .enterTransmission = outcome else {
            Issue.record("GO did not enter transmission: \(outcome)")
            return machine
        }
        return machine
    }

    func request(_ type: NBDCommandType, flags: NBDCommandFlags = [], cookie: UInt64 = 1, offset: UInt64 = 0, length: UInt32 = 4096) -> NBDRequest {
        NBDRequest(flags: flags, type: type, cookie: cookie, offset: offset, length: length)
    }

    func expectError(_ action: Machine.RequestAction, _ code: NBDErrorCode, sourceLocation: SourceLocation = #_sourceLocation) {
        switch action {
        case let .reply(.simple(reply, nil)):
            #expect(reply.error == code, sourceLocation: sourceLocation)
        case let .reply(.structured(chunk)):
            guard case let .error(got, _) = chunk.payload else {
                Issue.record("expected an error chunk, got \(chunk)", sourceLocation: sourceLocation)
                return
            }
            #expect(got == code, sourceLocation: sourceLocation)
            #expect(chunk.flags.contains(.done), sourceLocation: sourceLocation)
        default:
            Issue.record("expected error \(code), got \(action)", sourceLocation: sourceLocation)
        }
    }

    // MARK: handshake and options

    @Test func unknownClientFlagsCloseTheConnection() {
        var machine = Machine()
        guard case .close = machine.receivedClientFlags(NBDClientFlags(rawValue: 1 << 5 | 1)) else {
            Issue.record("unknown client flag was accepted")
            return
        }
        #expect(machine.isClosed)
    }

    @Test func unsupportedOptionsAreAnsweredAndNegotiationContinues() {
        var machine = negotiating()
        #expect(machine.receivedOption(NBDOptionRequest(code: .startTLS, data: ByteBuffer()))
            == .reply([.error(.startTLS, .errUnsupported, "NBD_OPT_STARTTLS is not supported by this server")]))
        #expect(machine.receivedOption(NBDOptionRequest(code: NBDOptionCode(rawValue: 999), data: ByteBuffer(bytes: [1])))
            == .reply([.error(NBDOptionCode(rawValue: 999), .errUnsupported, "option 999 is not supported by this server")]))
        #expect(machine.acceptsInput)
        #expect(machine.receivedOption(NBDOption.structuredReply.request()) == .reply([.ack(.structuredReply)]))
    }

    @Test func invalidOptionDataIsAnsweredWithErrInvalid() {
        var machine = negotiating()
        let action = machine.receivedOption(NBDOptionRequest(code: .list, data: ByteBuffer(bytes: [1, 2])))
        guard case let .reply(replies) = action, replies.count == 1, replies[0].type == .errInvalid else {
            Issue.record("LIST with data got \(action)")
            return
        }
        #expect(machine.acceptsInput)
    }

    @Test func oversizedOptionIsAnsweredWithErrTooBig() {
        var machine = negotiating()
        guard case let .reply(replies) = machine.receivedOversizedOption(.go, length: 1 << 20) else {
            Issue.record("oversized option not answered")
            return
        }
        #expect(replies.map(\.type) == [.errTooBig])
    }

    @Test func abortIsAcknowledgedThenClosed() {
        var machine = negotiating()
        #expect(machine.receivedOption(NBDOption.abort.request()) == .replyAndClose([.ack(.abort)]))
        #expect(machine.isClosed)
    }

    @Test func listBlocksInputUntilAnswered() {
        var machine = negotiating()
        #expect(machine.receivedOption(NBDOption.list.request()) == .listExports)
        #expect(!machine.acceptsInput)
        let replies = machine.listFinished([("a/0", "first"), ("b/1", "")])
        #expect(replies == [.server(.list, name: "a/0", description: "first"), .server(.list, name: "b/1", description: ""), .ack(.list)])
        #expect(machine.acceptsInput)
    }

    @Test func goRepliesWithExportAndBlockSizeThenAck() {
        var machine = negotiating()
        let go = NBDOption.go(NBDInfoRequest(exportName: "backups", requestedInfo: [.name, .description]))
        #expect(machine.receivedOption(go.request()) == .lookUpExport(name: "backups", purpose: .go(requested: [.name, .description])))
        #expect(!machine.acceptsInput, "no option may be decoded while the export is being opened")
        let outcome = machine.openFinished(requestedName: "backups", .found(Self.name, Self.description))
        #expect(outcome == .enterTransmission([
            .info(.go, .export(size: Self.size, flags: NBDExportFeatures.standard.transmissionFlags)),
            .info(.go, .name("backups/0")),
            .info(.go, .description("test")),
            .info(.go, .blockSize(minimum: 1, preferred: 4096, maximum: 65536)),
            .ack(.go),
        ]))
        #expect(machine.isInTransmission)
    }

    @Test func infoDescribesAndStaysInNegotiation() {
        var machine = negotiating()
        _ = machine.receivedOption(NBDOption.info(NBDInfoRequest(exportName: "backups")).request())
        guard case let .reply(replies) = machine.openFinished(requestedName: "backups", .found(Self.name, Self.description)) else {
            Issue.record("INFO did not reply")
            return
        }
        #expect(replies.last == .ack(.info))
        #expect(!machine.isInTransmission && machine.acceptsInput)
    }

    @Test func unknownExportIsErrUnknownForGoAndCloseForExportName() {
        var machine = negotiating()
        _ = machine.receivedOption(NBDOption.go(NBDInfoRequest(exportName: "nope")).request())
        guard case let .reply(replies) = machine.openFinished(requestedName: "nope", .notFound) else {
            Issue.record("GO on unknown export did not reply")
            return
        }
        #expect(replies.map(\.type) == [.errUnknown])
        #expect(machine.acceptsInput, "a failed GO returns to option haggling")

        _ = machine.receivedOption(NBDOption.exportName("nope").request())
        guard case .close = machine.openFinished(requestedName: "nope", .notFound) else {
            Issue.record("EXPORT_NAME on unknown export did not close")
            return
        }
        #expect(machine.isClosed)
    }

    @Test func refusedOpenCarriesTheReason() {
        var machine = negotiating()
        _ = machine.receivedOption(NBDOption.go(NBDInfoRequest(exportName: "backups")).request())
        let refusal = NBDOpenRefusal(.policy, "backups is Primary on node alpha; a second writer is refused")
        #expect(machine.openFinished(requestedName: "backups", .refused(refusal))
            == .reply([.error(.go, .errPolicy, "backups is Primary on node alpha; a second writer is refused")]))
    }

    @Test func exportNameReplyHonoursNoZeroes() {
        for noZeroes in [true, false] {
            var machine = Machine()
            _ = machine.receivedClientFlags(noZeroes ? [.fixedNewstyle, .noZeroes] : [.fixedNewstyle])
            _ = machine.receivedOption(NBDOption.exportName("backups").request())
            #expect(machine.openFinished(requestedName: "backups", .found(Self.name, Self.description))
                == .enterTransmissionAfterExportNameReply(size: Self.size, flags: NBDExportFeatures.standard.transmissionFlags, zeroes: !noZeroes))
        }
    }

    @Test func requestBeforeGoClosesTheConnection() {
        var machine = negotiating()
        guard case .close = machine.receivedRequest(request(.read), payload: nil) else {
            Issue.record("request during negotiation was accepted")
            return
        }
    }

    @Test func optionDuringTransmissionClosesTheConnection() {
        var machine = transmitting()
        guard case .close = machine.receivedOption(NBDOption.list.request()) else {
            Issue.record("option during transmission was accepted")
            return
        }
    }

    // MARK: transmission

    @Test func validRequestsExecute() {
        var machine = transmitting()
        let payload = ByteBuffer(repeating: 1, count: 4096)
        #expect(machine.receivedRequest(request(.read, cookie: 1), payload: nil) == .execute(.read(cookie: 1, offset: 0, length: 4096)))
        #expect(machine.receivedRequest(request(.write, flags: .fua, cookie: 2, offset: Self.size - 4096), payload: payload)
            == .execute(.write(cookie: 2, offset: Self.size - 4096, data: payload, fua: true)))
        #expect(machine.receivedRequest(request(.flush, cookie: 3, length: 0), payload: nil) == .execute(.flush(cookie: 3)))
        #expect(machine.receivedRequest(request(.writeZeroes, flags: .noHole, cookie: 4), payload: nil)
            == .execute(.writeZeroes(cookie: 4, offset: 0, length: 4096, fua: false, mayPunchHoles: false)))
        #expect(machine.inflight == 4)
    }

    @Test func outOfRangeRequestsGetTheSpecErrors() {
        var machine = transmitting(inflightMax: 64)
        expectError(machine.receivedRequest(request(.read, offset: Self.size - 100), payload: nil), .invalid)
        expectError(machine.receivedRequest(request(.write, offset: Self.size - 100), payload: ByteBuffer(repeating: 0, count: 4096)), .noSpace)
        expectError(machine.receivedRequest(request(.writeZeroes, offset: Self.size), payload: nil), .noSpace)
        expectError(machine.receivedRequest(request(.trim, offset: Self.size), payload: nil), .invalid)
        expectError(machine.receivedRequest(request(.read, offset: .max - 10), payload: nil), .invalid)
        expectError(machine.receivedRequest(request(.read, length: 0), payload: nil), .invalid)
        expectError(machine.receivedRequest(request(.read, length: 65537), payload: nil), .invalid)
        #expect(machine.inflight == 0, "refused requests must not occupy the window")
    }

    @Test func unadvertisedCommandsAndFlagsAreRefused() {
        var machine = transmitting(features: [.flush])
        expectError(machine.receivedRequest(request(.write, flags: .fua), payload: ByteBuffer(repeating: 0, count: 4096)), .invalid)
        expectError(machine.receivedRequest(request(.trim), payload: nil), .invalid)
        expectError(machine.receivedRequest(request(.writeZeroes), payload: nil), .invalid)
        expectError(machine.receivedRequest(request(.cache), payload: nil), .invalid)
        expectError(machine.receivedRequest(request(.blockStatus), payload: nil), .invalid)
        expectError(machine.receivedRequest(request(NBDCommandType(rawValue: 77)), payload: nil), .invalid)
        expectError(machine.receivedRequest(request(.read, flags: .noHole), payload: nil), .invalid)
        expectError(machine.receivedRequest(request(.flush, length: 5), payload: nil), .invalid)
    }

    @Test func writesToReadOnlyExportsAreEPERM() {
        var machine = transmitting(features: [.readOnly, .flush, .trim, .writeZeroes])
        expectError(machine.receivedRequest(request(.write), payload: ByteBuffer(repeating: 0, count: 4096)), .permissionDenied)
        expectError(machine.receivedRequest(request(.trim), payload: nil), .permissionDenied)
        expectError(machine.receivedRequest(request(.writeZeroes), payload: nil), .permissionDenied)
        #expect(machine.receivedRequest(request(.read), payload: nil) == .execute(.read(cookie: 1, offset: 0, length: 4096)))
    }

    @Test func oversizedWriteIsEINVALAndTheConnectionContinues() {
        var machine = transmitting()
        expectError(machine.receivedOversizedWrite(request(.write, length: 1 << 30)), .invalid)
        #expect(machine.acceptsInput)
    }

    @Test func structuredRepliesAreUsedForReadsOnly() {
        var machine = transmitting(structured: true)
        expectError(machine.receivedRequest(request(.read, length: 0), payload: nil), .invalid)
        guard case .reply(.structured) = machine.receivedRequest(request(.read, length: 0), payload: nil) else {
            Issue.record("READ error with structured replies must be a structured chunk")
            return
        }
        guard case .reply(.simple) = machine.receivedRequest(request(.trim, length: 0), payload: nil) else {
            Issue.record("non-READ errors stay simple replies")
            return
        }
        let read = NBDCommand.read(cookie: 7, offset: 512, length: 3)
        _ = machine.receivedRequest(request(.read, cookie: 7, offset: 512, length: 3), payload: nil)
        #expect(machine.commandFinished(read, .success(ByteBuffer(bytes: [1, 2, 3])))
            == .reply(.structured(NBDStructuredReplyChunk(flags: .done, cookie: 7, payload: .offsetData(offset: 512, data: ByteBuffer(bytes: [1, 2, 3]))))))
    }

    /// A READ sent from a file (sendfile) gets the same header a buffered one would have: the
    /// bytes before the data must match exactly, since the data follows without a frame of its own.
    @Test func aReadSentFromAFileHasTheBufferedReplysHeader() {
        for structured in [false, true] {
            var machine = transmitting(structured: structured)
            var viaBuffer = transmitting(structured: structured)
            let read = NBDCommand.read(cookie: 9, offset: 8192, length: 5)
            _ = machine.receivedRequest(request(.read, cookie: 9, offset: 8192, length: 5), payload: nil)
            _ = viaBuffer.receivedRequest(request(.read, cookie: 9, offset: 8192, length: 5), payload: nil)
            #expect(machine.readFinishedFromFile(read) == .send(structured: structured))
            var header = ByteBuffer()
            Machine.writeReadReplyHeader(read, structured: structured, into: &header)
            guard case let .reply(frame) = viaBuffer.commandFinished(read, .success(ByteBuffer(bytes: [1, 2, 3, 4, 5]))) else {
                Issue.record("a successful READ must be replied")
                continue
            }
            var expected = ByteBuffer()
            #expect(frame.encode(into: &expected) == ByteBuffer(bytes: [1, 2, 3, 4, 5]))
            #expect(header == expected)
            #expect(machine.acceptsInput)  // the in-flight count went down as for a buffered reply
        }
    }

    @Test func aReadFromAFileAfterDisconnectClosesOrDrops() {
        var machine = transmitting()
        let read = NBDCommand.read(cookie: 1, offset: 0, length: 4096)
        _ = machine.receivedRequest(request(.read), payload: nil)
        #expect(machine.receivedRequest(request(.disconnect, length: 0), payload: nil) == .closeWhenDrained)
        #expect(machine.readFinishedFromFile(read) == .sendAndClose(structured: false))
        #expect(machine.isClosed)
        #expect(machine.readFinishedFromFile(read) == .drop)
    }

    @Test func shortReadFromTheExportBecomesEIO() {
        var machine = transmitting()
        let read = NBDCommand.read(cookie: 1, offset: 0, length: 4096)
        _ = machine.receivedRequest(request(.read), payload: nil)
        #expect(machine.commandFinished(read, .success(ByteBuffer(repeating: 0, count: 10)))
            == .reply(.simple(NBDSimpleReply(error: .ioError, cookie: 1), data: nil)))
    }

    @Test func theInflightWindowStopsInputAtItsLimit() {
        var machine = transmitting(inflightMax: 2)
        _ = machine.receivedRequest(request(.read, cookie: 1), payload: nil)
        #expect(machine.acceptsInput)
        _ = machine.receivedRequest(request(.read, cookie: 2), payload: nil)
        #expect(!machine.acceptsInput)
        _ = machine.commandFinished(.read(cookie: 1, offset: 0, length: 4096), .failure(.io("disk gone")))
        #expect(machine.acceptsInput)
    }

    @Test func disconnectWaitsForInflightRequests() {
        var machine = transmitting()
        _ = machine.receivedRequest(request(.flush, cookie: 1, length: 0), payload: nil)
        _ = machine.receivedRequest(request(.flush, cookie: 2, length: 0), payload: nil)
        #expect(machine.receivedRequest(request(.disconnect, length: 0), payload: nil) == .closeWhenDrained)
        #expect(!machine.isClosed && !machine.acceptsInput)
        #expect(machine.commandFinished(.flush(cookie: 1), .success(nil)) == .reply(.simple(NBDSimpleReply(error: .ok, cookie: 1), data: nil)))
        #expect(machine.commandFinished(.flush(cookie: 2), .success(nil)) == .replyAndClose(.simple(NBDSimpleReply(error: .ok, cookie: 2), data: nil)))
        #expect(machine.isClosed)
    }

    @Test func disconnectWithNothingInflightClosesAtOnce() {
        var machine = transmitting()
        #expect(machine.receivedRequest(request(.disconnect, length: 0), payload: nil) == .closeWhenDrained)
        #expect(machine.isClosed)
    }

    @Test func resultsAfterTheChannelClosedAreDropped() {
        var machine = transmitting()
        _ = machine.receivedRequest(request(.flush, cookie: 1, length: 0), payload: nil)
        machine.channelClosed()
        #expect(machine.commandFinished(.flush(cookie: 1), .success(nil)) == .drop)
    }

    @Test func exportNamesDefaultToVolumeZero() {
        #expect(NBDExportName(parsing: "backups") == NBDExportName(resource: "backups", volume: 0))
        #expect(NBDExportName(parsing: "backups/3") == NBDExportName(resource: "backups", volume: 3))
        #expect(NBDExportName(parsing: "a/b/1") == NBDExportName(resource: "a/b", volume: 1))
        #expect(NBDExportName(parsing: "") == nil)
        #expect(NBDExportName(parsing: "/1") == nil)
        #expect(NBDExportName(parsing: "r/x") == nil)
        #expect(NBDExportName(parsing: "r/-1") == nil)
    }
}
