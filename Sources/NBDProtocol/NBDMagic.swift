/// Magic numbers that frame every NBD message (doc/proto.md). A frame whose magic does not match
/// is never guessed at: the decoders reject it, because resynchronising a byte stream by searching
/// for magic could turn payload bytes into commands.
public enum NBDMagic {
    /// "NBDMAGIC": first 8 bytes the server sends.
    public static let initPassword: UInt64 = 0x4e42_444d_4147_4943
    /// "IHAVEOPT": second 8 bytes of the greeting, and the prefix of every client option.
    public static let option: UInt64 = 0x4948_4156_454F_5054
    /// Prefix of every option reply.
    public static let optionReply: UInt64 = 0x0003_e889_0455_65a9
    /// Prefix of every transmission request.
    public static let request: UInt32 = 0x2560_9513
    /// Prefix of a simple reply.
    public static let simpleReply: UInt32 = 0x6744_6698
    /// Prefix of a structured reply chunk.
    public static let structuredReply: UInt32 = 0x668e_33ef
}

/// Wire sizes of the fixed parts of each message, so length checks read as intent.
public enum NBDWireSize {
    public static let greeting = 18              // 8 + 8 + 2
    public static let clientFlags = 4
    public static let optionHeader = 16          // 8 magic + 4 option + 4 length
    public static let optionReplyHeader = 20     // 8 magic + 4 option + 4 type + 4 length
    public static let requestHeader = 28         // 4 + 2 + 2 + 8 + 8 + 4
    public static let simpleReplyHeader = 16     // 4 + 4 + 8
    public static let structuredReplyHeader = 20 // 4 + 2 + 2 + 8 + 4
    public static let exportNameReply = 10       // 8 size + 2 flags
    public static let exportNameReplyZeroes = 124
}
