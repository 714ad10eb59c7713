/// Why a byte stream was not a valid NBD conversation. A decoder that throws this leaves the
/// buffer as it was; the connection is closed, because NBD has no way to resynchronise.
public struct NBDProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        case badMagic(what: String, expected: UInt64, found: UInt64)
        case lengthTooLarge(what: String, length: UInt64, limit: UInt64)
        case malformed(String)
    }
    let kind: Kind

    public static func badMagic(_ what: String, expected: UInt64, found: UInt64) -> Self {
        Self(kind: .badMagic(what: what, expected: expected, found: found))
    }
    public static func lengthTooLarge(_ what: String, length: UInt64, limit: UInt64) -> Self {
        Self(kind: .lengthTooLarge(what: what, length: length, limit: limit))
    }
    public static func malformed(_ why: String) -> Self { Self(kind: .malformed(why)) }

    public var description: String {
        switch kind {
        case let .badMagic(what, expected, found):
            "not an NBD \(what): magic 0x\(String(found, radix: 16)) where 0x\(String(expected, radix: 16)) was expected"
        case let .lengthTooLarge(what, length, limit):
            "NBD \(what) of \(length) bytes exceeds the limit of \(limit) bytes"
        case let .malformed(why):
            "malformed NBD message: \(why)"
        }
    }
}

/// Bounds the decoders enforce before they allocate anything.
public struct NBDLimits: Sendable, Hashable {
    /// Largest option payload a server accepts. The longest legitimate option is NBD_OPT_GO with
    /// a 4096-byte name (the spec's string limit) and a handful of info requests.
    public var optionDataMax: UInt32
    /// Largest READ/WRITE payload; advertised as the maximum block size in NBD_INFO_BLOCK_SIZE.
    public var payloadMax: UInt32
    /// Largest option reply a client accepts (NBD_REP_SERVER carries a name and a description).
    public var optionReplyDataMax: UInt32

    public init(optionDataMax: UInt32 = 8192, payloadMax: UInt32 = 32 << 20, optionReplyDataMax: UInt32 = 16384) {
        precondition(optionDataMax >= 4 + 4096 + 2, "an option must fit a name of the spec's maximum length")
        precondition(payloadMax >= 512 && payloadMax <= 1 << 30, "payload limit must be between 512 bytes and 1 GiB")
        self.optionDataMax = optionDataMax
        self.payloadMax = payloadMax
        self.optionReplyDataMax = optionReplyDataMax
    }

    public static let `default` = NBDLimits()
    /// The spec's limit on strings (export names, descriptions, error messages).
    public static let stringBytesMax = 4096
}
