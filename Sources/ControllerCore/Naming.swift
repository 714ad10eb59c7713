// LINSTOR's naming rules, so a name accepted here is accepted by LINSTOR and vice versa.

public enum Naming {
    public static let objectNameMax = 48
    public static let hostNameMax = 255
    public static let hostLabelMax = 63

    /// Node names are host names: DNS labels of 1–63 letters, digits or '-' (not at either end),
    /// separated by '.', at most 255 characters in all.
    public static func nodeNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "the name is empty" }
        if name.utf8.count > hostNameMax { return "it is longer than \(hostNameMax) characters" }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty { return "it has an empty label (two dots, or a dot at the start or end)" }
            if label.utf8.count > hostLabelMax { return "the label '\(label)' is longer than \(hostLabelMax) characters" }
            for ch in label.unicodeScalars where !(isASCIIAlnum(ch) || ch == "-") {
                return "it contains '\(ch)'; a host name may contain only letters, digits, '-' and '.'"
            }
            if label.first == "-" || label.last == "-" { return "the label '\(label)' starts or ends with '-'" }
        }
        return nil
    }

    /// Resource definitions and resource groups: 2–48 characters; the first a letter or '_',
    /// the others letters, digits, '_' or '-'; at least one letter.
    public static func resourceNameProblem(_ name: String) -> String? { objectNameProblem(name, minimum: 2) }

    /// Storage pools: the same rules with a minimum of 3 characters.
    public static func storagePoolNameProblem(_ name: String) -> String? { objectNameProblem(name, minimum: 3) }

    static func objectNameProblem(_ name: String, minimum: Int) -> String? {
        let scalars = Array(name.unicodeScalars)
        if scalars.count < minimum { return "it is shorter than \(minimum) characters" }
        if scalars.count > objectNameMax { return "it is longer than \(objectNameMax) characters" }
        if let first = scalars.first, !(isASCIILetter(first) || first == "_") {
            return "it starts with '\(first)'; the first character must be a letter or '_'"
        }
        for ch in scalars where !(isASCIIAlnum(ch) || ch == "_" || ch == "-") {
            return "it contains '\(ch)'; allowed are letters, digits, '_' and '-'"
        }
        if !scalars.contains(where: isASCIILetter) { return "it contains no letter" }
        return nil
    }

    /// Network interface names: same rules as storage pools but 2 characters suffice.
    public static func netInterfaceNameProblem(_ name: String) -> String? { objectNameProblem(name, minimum: 2) }

    static func isASCIILetter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
    static func isASCIIAlnum(_ c: Unicode.Scalar) -> Bool { isASCIILetter(c) || (c >= "0" && c <= "9") }

    /// Names are case-insensitive in LINSTOR: objects are keyed by the upper-cased name and
    /// keep the spelling they were created with for display.
    public static func key(_ name: String) -> String { name.uppercased() }
}
