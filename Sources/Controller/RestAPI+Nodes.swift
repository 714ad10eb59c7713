import ControllerCore
import Hummingbird
import TandemModel

extension RestAPI {
    func addNodeRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v1/nodes") { req, _ in
            let (state, runtimes) = await controller.snapshot()
            let filter = Rest.nameFilter(req, "nodes")
            let props = Rest.propFilters(req)
            var w = JSONWriter()
            w.beginArray()
            for key in state.nodes.keys.sorted() {
                if let filter, !filter.contains(key) { continue }
                let n = state.nodes[key]!
                if !props.allSatisfy({ f in f.value.map { n.props[f.key] == $0 } ?? (n.props[f.key] != nil) }) { continue }
                Views.node(n, runtimes[key], &w)
            }
            w.endArray()
            return Rest.json(w.bytes)
        }
        router.get("/v1/nodes/{node}") { req, ctx in
            let name = ctx.parameters.name("node")
            let (state, runtimes) = await controller.snapshot()
            guard let n = state.node(name) else { return Rest.rcs(ClusterState.nodeNotFoundError(name), success: .ok) }
            var w = JSONWriter()
            Views.node(n, runtimes[Naming.key(name)], &w)
            return Rest.json(w.bytes)
        }
        router.post("/v1/nodes") { req, _ in
            await mutation(req, success: .created) { bytes, state, ctx, _ throws(ApiError) in
                try state.createNode(try Self.nodeCreate(RequestBody.object(bytes)), ctx: ctx)
            }
        }
        router.put("/v1/nodes/{node}") { req, c in
            let name = c.parameters.name("node")
            return await mutation(req, success: .ok) { bytes, state, _, _ throws(ApiError) in
                let b = try RequestBody.object(bytes)
                var type: NodeType?
                if let t = try b.string("node_type") {
                    guard let parsed = NodeType(caseInsensitive: t) else { throw Self.unknownNodeType(t) }
                    type = parsed
                }
                return try state.modifyNode(name, type: type, props: b.propsChange())
            }
        }
        router.delete("/v1/nodes/{node}") { req, c in
            let name = c.parameters.name("node")
            return await mutation(req, success: .ok) { _, state, _, _ throws(ApiError) in try state.deleteNode(name) }
        }
        router.delete("/v1/nodes/{node}/lost") { req, c in
            let name = c.parameters.name("node")
            return await mutation(req, success: .ok) { _, state, _, live throws(ApiError) in try state.loseNode(name, live: live) }
        }
        router.get("/v1/nodes/{node}/net-interfaces") { _, c in
            let name = c.parameters.name("node")
            let (state, _) = await controller.snapshot()
            guard let n = state.node(name) else { return Rest.rcs(ClusterState.nodeNotFoundError(name), success: .ok) }
            var w = JSONWriter()
            w.beginArray()
            for nif in n.netInterfaces {
                w.beginObject()
                w.field("name", nif.name); w.field("address", nif.address)
                if let p = nif.satellitePort { w.field("satellite_port", p) }
                if let e = nif.encryption { w.field("satellite_encryption_type", e.rawValue) }
                w.field("is_active", nif.isActive); w.field("uuid", nif.uuid)
                w.endObject()
            }
            w.endArray()
            return Rest.json(w.bytes)
        }
    }

    static func unknownNodeType(_ t: String) -> ApiError {
        .make(.none, .node, .invalidNodeType, "Unknown node type '\(t)'.", details: "Known types: Controller, Satellite, Combined, Auxiliary (any case).")
    }

    static func nodeCreate(_ b: RequestBody) throws(ApiError) -> NodeCreate {
        let name = try b.requiredString("name")
        let typeText = try b.string("type") ?? "SATELLITE"
        guard let type = NodeType(caseInsensitive: typeText) else { throw unknownNodeType(typeText) }
        var interfaces: [NetInterface] = []
        for (i, v) in (try b.array("net_interfaces") ?? []).enumerated() {
            guard case .object(let o) = v else { throw RequestBody.wrongType("net_interfaces[\(i)]", expected: "an object", got: v) }
            let nb = RequestBody(fields: o, path: "net_interfaces[\(i)]")
            var encryption: EncryptionType?
            if let e = try nb.string("satellite_encryption_type") {
                guard let parsed = EncryptionType(caseInsensitive: e) else {
                    throw ApiError.make(.create, .netInterface, .invalidNetType, "Unknown encryption type '\(e)' (use PLAIN or SSL).")
                }
                encryption = parsed
            }
            interfaces.append(NetInterface(name: try nb.string("name") ?? "default", address: try nb.requiredString("address"),
                                           satellitePort: try nb.smallInt("satellite_port"), encryption: encryption,
                                           isActive: try nb.bool("is_active") ?? false, uuid: ""))
        }
        return NodeCreate(name: name, type: type, netInterfaces: interfaces, props: try b.stringMap("props") ?? [:])
    }
}

extension ClusterState {
    static func nodeNotFoundError(_ name: String) -> [ApiCallRc] { nodeNotFound(name, RcOperation.none).rcs }
}
