/// Why a storage operation failed, phrased for the person running `linstor storage-pool list` or
/// `resource list`; a failed command keeps its command line and stderr.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The provider cannot work on this machine at all (no device-mapper, no zfs).
        case unsupported
        /// The pool's backing (directory, volume group, zpool) is missing or unusable.
        case poolUnavailable
        /// Not enough free space.
        case poolFull
        /// A volume of that name exists and was not created by Tandem.
        case nameClash
        /// The request itself cannot be honoured (shrinking, a volume on a DISKLESS pool).
        case invalidRequest
        /// A command or system call failed.
        case failed
    }
    public var kind: Kind
    public var message: String
    public var command: CommandError?

    public init(_ kind: Kind, _ message: String, command: CommandError? = nil) {
        self.kind = kind; self.message = message; self.command = command
    }

    public var description: String {
        guard let command else { return message }
        return "\(message): \(command)"
    }
}
