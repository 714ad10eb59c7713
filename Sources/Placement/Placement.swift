import TandemModel

/// Auto-placement as LINSTOR's autoplacer does it: filter the pools that could hold a replica,
/// rate them (most free space first, fewer resources as a tie-breaker), then select one pool on
/// each of `count` distinct nodes honouring replicas-on-same/-different. Pure: the same inputs
/// always give the same answer (ties break by node name, then pool name).
public enum Placement {
    /// Weight of the resource-count tie-breaker (LINSTOR's MinRscCount default).
    static let resourceCountWeight = 0.00001
    /// How many per-node reasons a failure lists before it says "… and N more".
    static let detailsMax = 12

    struct Candidate {
        var node: PlacementNode
        var pool: PlacementPool
        var score: Double
    }

    public static func place(_ request: PlacementRequest, nodes: [PlacementNode]) -> Result<[PlacementChoice], PlacementFailure> {
        guard request.count > 0 else { return .success([]) }
        let (candidates, rejections) = filter(request, nodes: nodes)
        let rated = rate(candidates)
        switch select(request, rated: rated) {
        case .success(let chosen):
            return .success(chosen.map { PlacementChoice(node: $0.node.name, pool: $0.pool.name) })
        case .failure(let why):
            return .failure(explain(request, nodes: nodes, eligible: rated.count, rejections: rejections, selectProblem: why))
        }
    }

    // MARK: filter

    /// The best pool of every eligible node, and for every other node the reason it was rejected.
    static func filter(_ r: PlacementRequest, nodes: [PlacementNode]) -> ([Candidate], [String]) {
        let allowedPools = r.storagePools.flatMap { $0.isEmpty ? nil : Set($0.map { $0.uppercased() }) }
        let allowedProviders = r.providers.flatMap { $0.isEmpty ? nil : Set($0) }
        let allowedNodes = r.nodeNames.flatMap { $0.isEmpty ? nil : Set($0.map { $0.uppercased() }) }
        let fixedSame = fixedSameValues(r)
        var candidates: [Candidate] = []
        var rejections: [String] = []
        for node in nodes.sorted(by: { $0.name < $1.name }) {
            if let allowedNodes, !allowedNodes.contains(node.name.uppercased()) { continue }
            if let why = node.excludedBecause { rejections.append("\(node.name): \(why)"); continue }
            if !node.online { rejections.append("\(node.name): offline"); continue }
            if let why = sameProblem(node, fixedSame: fixedSame, keys: r.replicasOnSame) { rejections.append("\(node.name): \(why)"); continue }
            var poolReasons: [String] = []
            var best: PlacementPool?
            for pool in node.pools.sorted(by: { $0.name < $1.name }) where pool.provider != .diskless {
                if let allowedPools, !allowedPools.contains(pool.name.uppercased()) { continue }
                if let allowedProviders, !allowedProviders.contains(pool.provider) {
                    poolReasons.append("pool '\(pool.name)' is \(pool.provider.rawValue)"); continue
                }
                guard let free = pool.freeKiB else { poolReasons.append("pool '\(pool.name)' has not reported its capacity yet"); continue }
                if free < r.sizeKiB { poolReasons.append("pool '\(pool.name)' has only \(kib(free)) free"); continue }
                if best == nil || free > best!.freeKiB! { best = pool }
            }
            if let best {
                candidates.append(Candidate(node: node, pool: best, score: 0))
            } else {
                rejections.append("\(node.name): " + (poolReasons.isEmpty ? "no matching storage pool" : poolReasons.joined(separator: ", ")))
            }
        }
        return (candidates, rejections)
    }

    /// Values of replicas-on-same keys fixed by "KEY=VALUE" or by an existing replica.
    static func fixedSameValues(_ r: PlacementRequest) -> [String: String] {
        var fixed: [String: String] = [:]
        for entry in r.replicasOnSame {
            if let eq = entry.firstIndex(of: "=") {
                fixed[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
            } else if let v = r.existingReplicaNodes.lazy.compactMap({ $0.props[entry] }).first {
                fixed[entry] = v
            }
        }
        return fixed
    }

    static func sameKeys(_ r: PlacementRequest) -> [String] {
        r.replicasOnSame.map { e in e.firstIndex(of: "=").map { String(e[..<$0]) } ?? e }
    }

    static func sameProblem(_ node: PlacementNode, fixedSame: [String: String], keys: [String]) -> String? {
        for entry in keys {
            let key = entry.firstIndex(of: "=").map { String(entry[..<$0]) } ?? entry
            guard let value = node.props[key] else { return "has no property \(key) (replicas-on-same)" }
            if let want = fixedSame[key], want != value { return "has \(key)=\(value), replicas must share \(key)=\(want)" }
        }
        return nil
    }

    // MARK: rate

    /// Each strategy's raw value is divided by the largest one and weighted, as in LINSTOR.
    static func rate(_ candidates: [Candidate]) -> [Candidate] {
        let maxFree = Double(candidates.map { $0.pool.freeKiB ?? 0 }.max() ?? 0)
        let maxCount = Double(candidates.map(\.pool.resourceCount).max() ?? 0)
        return candidates.map { c in
            var c = c
            let free = maxFree > 0 ? Double(c.pool.freeKiB ?? 0) / maxFree : 0
            let count = maxCount > 0 ? Double(c.pool.resourceCount) / maxCount : 0
            c.score = free - resourceCountWeight * count
            return c
        }.sorted { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.node.name != b.node.name { return a.node.name < b.node.name }
            return a.pool.name < b.pool.name
        }
    }

    // MARK: select

    /// Picks `count` candidates (already one per node, best first). With unfixed replicas-on-same
    /// keys every group of equal values is tried and the best-scoring complete one wins.
    static func select(_ r: PlacementRequest, rated: [Candidate]) -> Result<[Candidate], SelectProblem> {
        let unfixed = sameKeys(r).filter { fixedSameValues(r)[$0] == nil }
        if unfixed.isEmpty { return pickDistinct(r, from: rated) }
        var groups: [[String]: [Candidate]] = [:]
        for c in rated { groups[unfixed.map { c.node.props[$0] ?? "" }, default: []].append(c) }
        var best: (score: Double, pick: [Candidate])?
        var lastProblem = SelectProblem.tooFew(available: 0)
        for key in groups.keys.sorted(by: { $0.joined(separator: "\u{0}") < $1.joined(separator: "\u{0}") }) {
            switch pickDistinct(r, from: groups[key]!) {
            case .success(let pick):
                let s = pick.reduce(0) { $0 + $1.score }
                if best == nil || s > best!.score { best = (s, pick) }
            case .failure(let p): lastProblem = p
            }
        }
        if let best { return .success(best.pick) }
        if case .tooFew = lastProblem { return .failure(.noSameGroup(keys: unfixed, largest: groups.values.map(\.count).max() ?? 0)) }
        return .failure(lastProblem)
    }

    enum SelectProblem: Error {
        case tooFew(available: Int)
        case noSameGroup(keys: [String], largest: Int)
        case differentExhausted(key: String, picked: Int)
    }

    /// Greedy in score order, skipping nodes whose replicas-on-different value is used up.
    static func pickDistinct(_ r: PlacementRequest, from rated: [Candidate]) -> Result<[Candidate], SelectProblem> {
        var limits = r.xReplicasOnDifferent
        for key in r.replicasOnDifferent { limits[key] = min(limits[key] ?? 1, 1) }
        guard rated.count >= r.count else { return .failure(.tooFew(available: rated.count)) }
        if limits.isEmpty { return .success(Array(rated.prefix(r.count))) }
        var used: [String: [String: Int]] = [:]
        for node in r.existingReplicaNodes {
            for key in limits.keys { if let v = node.props[key] { used[key, default: [:]][v, default: 0] += 1 } }
        }
        var picked: [Candidate] = []
        var blockingKey: String?
        for c in rated where picked.count < r.count {
            var fits = true
            for (key, limit) in limits.sorted(by: { $0.key < $1.key }) {
                // A node without the key is its own group, so it never collides.
                guard let v = c.node.props[key] else { continue }
                if used[key]?[v, default: 0] ?? 0 >= limit { fits = false; blockingKey = key; break }
            }
            guard fits else { continue }
            for key in limits.keys { if let v = c.node.props[key] { used[key, default: [:]][v, default: 0] += 1 } }
            picked.append(c)
        }
        if picked.count == r.count { return .success(picked) }
        return .failure(blockingKey.map { .differentExhausted(key: $0, picked: picked.count) } ?? .tooFew(available: picked.count))
    }

    // MARK: explain

    static func explain(_ r: PlacementRequest, nodes: [PlacementNode], eligible: Int, rejections: [String], selectProblem: SelectProblem) -> PlacementFailure {
        let allowedNodes = r.nodeNames.flatMap { $0.isEmpty ? nil : Set($0.map { $0.uppercased() }) }
        let considered = nodes.filter { allowedNodes?.contains($0.name.uppercased()) ?? true }.count
        let replicas = r.count == 1 ? "1 more diskful replica" : "\(r.count) more diskful replicas"
        let message: String
        switch selectProblem {
        case .tooFew(let available):
            message = "Not enough available nodes: \(replicas) needed, but only \(available) of \(considered) nodes \(available == 1 ? "has" : "have") \(poolPhrase(r, nodes: nodes)) with \(kib(r.sizeKiB)) free"
        case .noSameGroup(let keys, let largest):
            message = "Not enough available nodes: \(replicas) needed on nodes sharing the same \(keys.joined(separator: ", ")) (replicas-on-same), but at most \(largest) eligible nodes share a value"
        case .differentExhausted(let key, let picked):
            message = "Not enough available nodes: \(replicas) needed on different values of \(key) (replicas-on-different), but only \(picked) could be placed"
        }
        var details = Array(rejections.prefix(detailsMax))
        if rejections.count > detailsMax { details.append("… and \(rejections.count - detailsMax) more nodes") }
        _ = eligible
        return PlacementFailure(message: message, details: details)
    }

    /// "a FILE_THIN pool", "a pool named 'pool0'", "a FILE_THIN pool named 'pool0'", "a storage pool".
    static func poolPhrase(_ r: PlacementRequest, nodes: [PlacementNode]) -> String {
        var kinds: [StorageProviderKind] = r.providers ?? []
        let names = r.storagePools ?? []
        if kinds.isEmpty {
            // Name the provider when the eligible pools all share one ("a FILE_THIN pool").
            let upper = Set(names.map { $0.uppercased() })
            let pools = nodes.flatMap(\.pools).filter { $0.provider != .diskless && (upper.isEmpty || upper.contains($0.name.uppercased())) }
            let found = Set(pools.map(\.provider))
            if found.count == 1 || !names.isEmpty { kinds = Array(found).sorted { $0.rawValue < $1.rawValue } }
        }
        let kindText = kinds.isEmpty ? "storage" : kinds.map(\.rawValue).joined(separator: "/")
        let nameText = names.isEmpty ? "" : " named " + names.map { "'\($0)'" }.joined(separator: " or ")
        let article = kindText.first.map { "AEIOU".contains($0) } ?? false ? "an" : "a"
        return "\(article) \(kindText) pool\(nameText)"
    }

    static func kib(_ k: UInt64) -> String { humanKiB(k) }

    /// "40 GiB" for a KiB count; sizes too large to express in bytes are printed in KiB.
    public static func humanKiB(_ k: UInt64) -> String {
        k > UInt64.max / ByteCount.kibi ? "\(k) KiB" : ByteCount.kib(k).description
    }
}
