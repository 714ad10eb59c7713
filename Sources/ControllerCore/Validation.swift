import Placement
import TandemModel

/// Checks shared by the operations; each throws an ApiError that says what was wrong.
enum Validate {
    static let propKeyMax = 256
    static let propValueMax = 4096
    static let propsPerObjectMax = 1024

    static func props(_ props: Props, _ op: RcOperation, _ object: RcObject) throws(ApiError) {
        if props.count > propsPerObjectMax {
            throw .make(op, object, .invalidProperty, "Too many properties (\(props.count)); at most \(propsPerObjectMax) per object are allowed.")
        }
        for (key, value) in props {
            if let why = propKeyProblem(key) {
                throw .make(op, object, .invalidProperty, "The property key '\(key)' is invalid: \(why).")
            }
            if value.utf8.count > propValueMax {
                throw .make(op, object, .invalidProperty, "The value of property '\(key)' is longer than \(propValueMax) bytes.")
            }
        }
    }

    static func propKeyProblem(_ key: String) -> String? {
        if key.isEmpty { return "it is empty" }
        if key.utf8.count > propKeyMax { return "it is longer than \(propKeyMax) characters" }
        if key.hasPrefix("/") || key.hasSuffix("/") || key.contains("//") { return "namespaces are separated by single '/' and the key may not start or end with '/'" }
        if key.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "=" }) { return "it contains '=' or a control character" }
        return nil
    }

    static func propsChange(_ change: PropsChange, _ object: RcObject) throws(ApiError) {
        try props(change.override, .modify, object)
    }

    /// An IPv4 or IPv6 address in text form (LINSTOR requires an address, not a host name).
    static func addressProblem(_ address: String) -> String? {
        if address.isEmpty { return "it is empty" }
        if address.contains(":") {
            let ok = address.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." || $0 == "%" }
            return ok && address.count <= 45 ? nil : "it is not an IPv6 address"
        }
        let parts = address.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ p in !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCIIDigit) && Int(p)! <= 255 }) else {
            return "it is not an IPv4 address (a.b.c.d) or an IPv6 address"
        }
        return nil
    }

    static func volumeSize(_ kib: UInt64, _ op: RcOperation) throws(ApiError) {
        if kib == 0 {
            throw .make(op, .volumeDefinition, .invalidVolumeSize, "The volume size must be greater than 0 KiB.")
        }
        if kib > ClusterDefaults.volumeSizeMaxKiB {
            throw .make(op, .volumeDefinition, .invalidVolumeSize,
                        "The volume size \(kib) KiB (\(Placement.humanKiB(kib))) is larger than the maximum of \(Placement.humanKiB(ClusterDefaults.volumeSizeMaxKiB)).")
        }
    }

    static func peerSlots(_ n: Int?, _ op: RcOperation, _ object: RcObject) throws(ApiError) {
        if let n, !(1...31).contains(n) {
            throw .make(op, object, .invalidRequest, "Peer slots must be between 1 and 31, not \(n).")
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
