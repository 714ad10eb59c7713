import ControllerCore
import Hummingbird
import TandemModel

extension RestAPI {
    func addResourceRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v1/view/resources") { req, _ in
            let published = controller.revisedSnapshot()
            let (state, runtimes) = (published.state, published.runtimes)
            let view = ResourceView(nodeFilter: Rest.nameFilter(req, "nodes"), resourceFilter: Rest.nameFilter(req, "resources"),
                                    poolFilter: Rest.nameFilter(req, "storage_pools"), propFilters: Rest.propFilters(req), cache: viewCache,
                                    revision: published.revision)
            // Small clusters get one buffer with a Content-Length; large ones a chunked stream,
            // gzip-compressed from cached pages when the client accepts it and asks for everything.
            guard state.resources.count > ResourceView.streamAboveDefinitions else { return Rest.json(view.render(state, runtimes)) }
            if view.isUnfiltered, GzipMiddleware<BasicRequestContext>.acceptsGzip(req.headers[values: .acceptEncoding]) {
                return Rest.jsonStream(contentEncoding: "gzip") { emit in
                    try await view.streamGzip(state, runtimes, pages: gzipPages, chunkBytes: ResourceView.chunkBytes, emit)
                }
            }
            return Rest.jsonStream { emit in try await view.stream(state, runtimes, chunkBytes: ResourceView.chunkBytes, emit) }
        }
        router.get("/v1/resource-definitions/{rd}/resources") { req, c in
            let name = c.parameters.name("rd")
            let (state, runtimes) = await controller.snapshot()
            guard state.resourceDefinition(name) != nil else { return Rest.rcs(ClusterState.definitionNotFound(name, .none).rcs, success: .ok) }
            let view = ResourceView(nodeFilter: Rest.nameFilter(req, "nodes"), resourceFilter: [Naming.key(name)], cache: viewCache)
            return Rest.json(view.render(state, runtimes))
        }
        router.get("/v1/resource-definitions/{rd}/resources/{node}") { _, c in
            let name = c.parameters.name("rd"), node = c.parameters.name("node")
            let (state, runtimes) = await controller.snapshot()
            guard let rd = state.resourceDefinition(name) else { return Rest.rcs(ClusterState.definitionNotFound(name, .none).rcs, success: .ok) }
            // Only an online node's report counts; an offline node's state is unknown.
            guard let bytes = ResourceView.single(Naming.key(name), nodeKey: Naming.key(node), state, runtimes) else {
                return Rest.rcs(ClusterState.resourceNotFound(rd.name, node, .none).rcs, success: .ok)
            }
            return Rest.json(bytes)
        }
        router.post("/v1/resource-definitions/{rd}/resources") { req, c in
            let name = c.parameters.name("rd")
            return await mutation(req, success: .created, waitForApply: true) { bytes, state, ctx, _ throws(ApiError) in
                try state.createResources(name, try Self.resourceCreates(bytes), ctx: ctx)
            }
        }
        router.post("/v1/resource-definitions/{rd}/autoplace") { req, c in
            let name = c.parameters.name("rd")
            return await mutation(req, success: .created, waitForApply: true) { bytes, state, ctx, live throws(ApiError) in
                let b = bytes.isEmpty ? RequestBody(fields: [:], path: "") : try RequestBody.object(bytes)
                var filter = try b.object("select_filter")?.selectFilter() ?? AutoSelectFilter()
                if let d = try b.bool("diskless_on_remaining") { filter.disklessOnRemaining = d }
                if let layers = try b.strings("layer_list") { filter.layerStack = layers }
                return try state.autoplace(name, filter: filter, live: live, ctx: ctx)
            }
        }
        router.put("/v1/resource-definitions/{rd}/resources/{node}") { req, c in
            let name = c.parameters.name("rd"), node = c.parameters.name("node")
            return await mutation(req, success: .ok) { bytes, state, _, _ throws(ApiError) in
                try state.modifyResource(name, node: node, props: try RequestBody.object(bytes).propsChange())
            }
        }
        router.delete("/v1/resource-definitions/{rd}/resources/{node}") { req, c in
            let name = c.parameters.name("rd"), node = c.parameters.name("node")
            return await mutation(req, success: .ok) { _, state, _, _ throws(ApiError) in try state.deleteResource(name, node: node) }
        }
    }

    /// The body of `resource create`: a list with one `{"resource": {...}}` per node.
    static func resourceCreates(_ bytes: [UInt8]) throws(ApiError) -> [ResourceCreate] {
        let v = try RequestBody.parse(bytes)
        guard case .array(let items) = v else { throw RequestBody.wrongType("the request body", expected: "an array of resources", got: v) }
        var out: [ResourceCreate] = []
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else { throw RequestBody.wrongType("entry \(i)", expected: "an object", got: item) }
            let entry = RequestBody(fields: o, path: "[\(i)]")
            guard let r = try entry.object("resource") else {
                throw ApiError(.parseError("Unable to parse input json.", details: "entry \(i) needs a 'resource' object."))
            }
            var port: Int?
            if let ports = try entry.array("drbd_tcp_ports"), let first = ports.first {
                guard case .number(_, let p?) = first else { throw RequestBody.wrongType("[\(i)].drbd_tcp_ports[0]", expected: "a port number", got: first) }
                port = Int(clamping: p)
            }
            var flags = try r.strings("flags") ?? []
            let client = try entry.bool("drbd_client") ?? false
            let diskless = try entry.bool("diskless") ?? false
            if client || diskless { flags.append("DRBD_DISKLESS") }
            out.append(ResourceCreate(nodeName: try r.requiredString("node_name"), props: try r.stringMap("props") ?? [:], flags: flags,
                                      nodeId: try entry.smallInt("drbd_node_id"), tcpPort: port))
        }
        return out
    }
}
