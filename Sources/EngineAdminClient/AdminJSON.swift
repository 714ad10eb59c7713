#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import EngineAdmin
import NIOCore

/// JSON for the admin protocol, one object per line. Keys are sorted so lines are stable.
public enum AdminJSON {
    public static func encodeLine<T: Encodable>(_ value: T) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = try encoder.encode(value)
        bytes.append(UInt8(ascii: "\n"))
        return ByteBuffer(bytes: bytes)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from line: ByteBuffer) throws -> T {
        try JSONDecoder().decode(type, from: Data(line.readableBytesView))
    }
}
