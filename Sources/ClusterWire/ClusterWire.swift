import Foundation
import NIOCore
import TandemModel

/// Encoding and decoding of controller↔satellite frames, independent of any socket: the channel
/// handlers in this module and the tests both go through these two functions.
public enum ClusterWire {
    /// Bumped whenever a message changes in a way an older peer would misread.
    public static let protocolVersion: UInt16 = 1
    public static let softwareVersion = "0.1.0"
    /// A node's whole desired state travels in one frame; LINSTOR allows 64 MiB for the same job.
    public static let payloadBytesMax: UInt32 = 64 * 1024 * 1024

    public static func encode(_ message: ClusterMessage, version: UInt16 = protocolVersion, into buffer: inout ByteBuffer) throws(WireError) {
        let payload: [UInt8]
        do {
            payload = try payloadBytes(message)
        } catch {
            throw WireError.badPayload(messageType: "outgoing", reason: "\(error)")
        }
        guard payload.count <= Int(payloadBytesMax) else {
            throw WireError.frameTooLarge(announced: UInt32(clamping: payload.count), limit: payloadBytesMax)
        }
        WireHeader(version: version, type: message.typeNumber, payloadByteCount: UInt32(payload.count)).write(to: &buffer)
        buffer.writeBytes(payload)
    }

    public static func encode(_ message: ClusterMessage) throws(WireError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try encode(message, into: &buffer)
        return buffer
    }

    /// Reads one whole frame from the front of `buffer`, or returns nil (consuming nothing) when
    /// the frame is not complete yet. Throws on a frame that can never become valid; lengths are
    /// checked before anything is allocated.
    public static func decode(from buffer: inout ByteBuffer, payloadBytesMax: UInt32 = payloadBytesMax) throws(WireError) -> ClusterMessage? {
        guard let header = try WireHeader.peek(in: buffer) else { return nil }
        guard header.payloadByteCount <= payloadBytesMax else {
            throw WireError.frameTooLarge(announced: header.payloadByteCount, limit: payloadBytesMax)
        }
        guard let type = ClusterMessage.MessageType(rawValue: header.type) else {
            // A newer peer may add message types, but it then also speaks a newer version.
            if header.version != protocolVersion {
                throw WireError.unsupportedVersion(found: header.version, supported: protocolVersion)
            }
            throw WireError.unknownMessageType(header.type)
        }
        // Hello keeps one shape across versions, so it is read whatever the version: that is
        // how a mismatch is reported with both release numbers.
        if type != .hello, header.version != protocolVersion {
            throw WireError.unsupportedVersion(found: header.version, supported: protocolVersion)
        }
        let frameBytes = WireHeader.byteCount + Int(header.payloadByteCount)
        guard buffer.readableBytes >= frameBytes else { return nil }
        buffer.moveReaderIndex(forwardBy: WireHeader.byteCount)
        let payload = buffer.readSlice(length: Int(header.payloadByteCount))!
        return try message(type: type, payload: payload)
    }

    private static func payloadBytes(_ message: ClusterMessage) throws -> [UInt8] {
        let encoder = JSONEncoder()
        // Sorted keys make frames byte-for-byte reproducible, which the tests and logs rely on.
        encoder.outputFormatting = [.sortedKeys]
        switch message {
        case .hello(let hello): return Array(try encoder.encode(hello))
        case .goodbye(let reason): return Array(try encoder.encode(Goodbye(reason: reason)))
        case .ping(let n), .pong(let n): return Array(try encoder.encode(Ping(nonce: n)))
        case .desiredState(let state): return Array(try encoder.encode(state))
        case .actualState(let state): return Array(try encoder.encode(state))
        case .desiredDelta(let delta): return Array(try encoder.encode(delta))
        }
    }

    private static func message(type: ClusterMessage.MessageType, payload: ByteBuffer) throws(WireError) -> ClusterMessage {
        let data = Data(payload.readableBytesView)
        let decoder = JSONDecoder()
        do {
            switch type {
            case .hello: return .hello(try decoder.decode(Hello.self, from: data))
            case .goodbye: return .goodbye(reason: try decoder.decode(Goodbye.self, from: data).reason)
            case .ping: return .ping(try decoder.decode(Ping.self, from: data).nonce)
            case .pong: return .pong(try decoder.decode(Ping.self, from: data).nonce)
            case .desiredState: return .desiredState(try decoder.decode(NodeDesiredState.self, from: data))
            case .actualState: return .actualState(try decoder.decode(NodeActualState.self, from: data))
            case .desiredDelta: return .desiredDelta(try decoder.decode(NodeDesiredDelta.self, from: data))
            }
        } catch {
            throw WireError.badPayload(messageType: type.name, reason: describe(error))
        }
    }

    /// DecodingError's default text is a wall of context; this names the field and the problem.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "" : " at '\(p)'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\(key.stringValue)'\(path(context))"
        case .typeMismatch(_, let context): return "wrong type\(path(context)): \(context.debugDescription)"
        case .valueNotFound(_, let context): return "missing value\(path(context))"
        case .dataCorrupted(let context): return "not valid JSON\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private struct Goodbye: Codable { var reason: String }
    private struct Ping: Codable { var nonce: UInt64 }
}
