/// One entry of the reply every mutating LINSTOR REST call returns (a JSON array of these), and
/// of the error bodies of failed calls. `ret_code` is a signed 64-bit bit mask, as Java sends it:
/// the top two bits say error / warning / info / success (linstor-common consts.json).
public struct ApiCallRc: Codable, Sendable, Equatable {
    public var retCode: Int64
    public var message: String
    public var cause: String?
    public var details: String?
    public var correction: String?
    public var errorReportIds: [String]?
    public var objRefs: [String: String]?
    public var createdAt: String?

    enum CodingKeys: String, CodingKey {
        case retCode = "ret_code", message, cause, details, correction
        case errorReportIds = "error_report_ids", objRefs = "obj_refs", createdAt = "created_at"
    }

    public init(retCode: Int64, message: String, cause: String? = nil, details: String? = nil, correction: String? = nil,
                errorReportIds: [String]? = nil, objRefs: [String: String]? = nil, createdAt: String? = nil) {
        self.retCode = retCode; self.message = message; self.cause = cause; self.details = details
        self.correction = correction; self.errorReportIds = errorReportIds; self.objRefs = objRefs; self.createdAt = createdAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        retCode = try c.decode(Int64.self, forKey: .retCode)
        // LINSTOR requires a message; a reply without one still deserves to be shown, not dropped.
        message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
        cause = try c.decodeIfPresent(String.self, forKey: .cause)
        details = try c.decodeIfPresent(String.self, forKey: .details)
        correction = try c.decodeIfPresent(String.self, forKey: .correction)
        errorReportIds = try c.decodeIfPresent([String].self, forKey: .errorReportIds)
        objRefs = try c.decodeIfPresent([String: String].self, forKey: .objRefs)
        createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
    }

    public enum Category: Sendable, Equatable { case success, info, warning, error }

    public static let maskError = Int64(bitPattern: 0xC000_0000_0000_0000)
    public static let maskWarning = Int64(bitPattern: 0x8000_0000_0000_0000)
    public static let maskInfo = Int64(bitPattern: 0x4000_0000_0000_0000)

    /// The category as the linstor client derives it: the error mask includes the warning bit,
    /// so it is tested first.
    public var category: Category {
        if retCode & Self.maskError == Self.maskError { return .error }
        if retCode & Self.maskWarning == Self.maskWarning { return .warning }
        if retCode & Self.maskInfo == Self.maskInfo { return .info }
        return .success
    }
}
