import ControllerCore
import Foundation
import Hummingbird
import Logging
import TandemModel

public typealias Operation = @Sendable (inout ClusterState, OperationContext, [String: NodeLiveView]) throws(ApiError) -> [ApiCallRc]

/// LINSTOR's REST API v1 over a `ClusterController`. `buildRouter` is used by the `controller`
/// command and by the route tests alike.
public struct RestAPI: Sendable {
    public static let restAPIVersion = "1.28.0"
    public static let tandemVersion = "0.1.0"

    let controller: ClusterController
    /// Every resource's rendered object and the compressed pages of the full view, kept
    /// between requests (see ResourceView).
    let viewCache = ResourceViewCache()
    let gzipPages = GzipPageCache()

    public init(controller: ClusterController) { self.controller = controller }

    /// Runs a mutating request: reads the body, applies `op` in one transaction, and for
    /// resource placement waits for the satellites (bounded), adding a warning per node that
    /// has not confirmed yet.
    func mutation(_ request: Request, success: HTTPResponse.Status, waitForApply: Bool = false,
                  _ op: @escaping @Sendable ([UInt8], inout ClusterState, OperationContext, [String: NodeLiveView]) throws(ApiError) -> [ApiCallRc]) async -> Response {
        let bytes: [UInt8]
        do { bytes = try await Rest.body(request) } catch { return Rest.rcs(error.rcs, success: success) }
        let outcome = await controller.mutate { (state, ctx, live) throws(ApiError) -> [ApiCallRc] in try op(bytes, &state, ctx, live) }
        var rcs = outcome.rcs
        if waitForApply, !outcome.failed, !outcome.generations.isEmpty {
            rcs += await controller.awaitApplied(outcome.generations)
        }
        return Rest.rcs(rcs, success: success)
    }

    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: GzipMiddleware())
        router.get("/health") { _, _ in Response(status: .ok) }
        router.get("/v1/controller/version") { _, _ in
            var w = JSONWriter()
            w.beginObject()
            w.field("version", Self.tandemVersion)
            w.field("git_hash", "tandem")
            w.field("build_time", "2026-11-25T00:00:00+00:00")
            w.field("rest_api_version", Self.restAPIVersion)
            w.endObject()
            return Rest.json(w.bytes)
        }
        router.get("/v1/controller/properties") { _, _ in
            let (state, _) = await controller.snapshot()
            var w = JSONWriter()
            w.beginObject()
            for (k, v) in state.controllerProps.sorted(by: { $0.key < $1.key }) { w.field(k, v) }
            w.endObject()
            return Rest.json(w.bytes)
        }
        router.post("/v1/controller/properties") { req, _ in
            await mutation(req, success: .ok) { bytes, state, _, _ throws(ApiError) in
                try state.setControllerProps(try RequestBody.object(bytes).propsChange())
            }
        }
        addNodeRoutes(router)
        addStoragePoolRoutes(router)
        addGroupRoutes(router)
        addDefinitionRoutes(router)
        addResourceRoutes(router)
        return router
    }
}

/// The application: the REST API on `address`, plus the controller as a service so SIGTERM
/// closes the satellite sessions after the server has stopped taking requests.
public func buildApplication(controller: ClusterController, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
    let api = RestAPI(controller: controller)
    return Application(router: api.buildRouter(),
                       configuration: .init(address: .hostname(host, port: port), serverName: "Tandem"),
                       services: [ControllerService(controller: controller)],
                       logger: logger)
}
