/// Desired resources + what is on the node → the steps that close the difference, and nothing
/// else. Pure and deterministic (resources in name order), so the same inputs give the same
/// plan and a plan re-computed after its own steps ran is empty.
///
/// Rules that protect running data (the seed's HA-controller lesson: a satellite that starts
/// and rewrites everything pulls the floor from under the controller's own database):
/// - a resource whose file is unchanged and which the engine runs gets no step at all;
/// - nothing outside the ledger is ever changed or deleted; a clash is a problem, not a step;
/// - a deleted resource is taken down before its file and storage go, and storage is freed
///   only after the engine let go of it;
/// - a resource with any problem gets no steps, so a half-realizable change is not half-applied.
public enum ReconcilePlanner {
    public static func plan(desired: [PlannedResource], observed: Observation) -> SatellitePlan {
        var plan = SatellitePlan()
        let desiredNames = Set(desired.map(\.name))

        // Removals first: they free ports, minors and pool space the additions may need.
        for name in observed.ledger.resources.subtracting(desiredNames).sorted() {
            plan.steps += removal(of: name, observed: observed)
        }
        for resource in desired.sorted(by: { $0.name < $1.name }) {
            switch realization(of: resource, observed: observed) {
            case .steps(let steps): plan.steps += steps
            case .problems(let problems): plan.problems[resource.name] = problems
            }
        }
        return plan
    }

    enum Outcome { case steps([SatelliteStep]), problems([String]) }

    static func removal(of name: String, observed: Observation) -> [SatelliteStep] {
        var steps: [SatelliteStep] = []
        if observed.engineRunning.contains(name) { steps.append(.down(resource: name)) }
        if observed.resourceFiles[name] != nil { steps.append(.removeResourceFile(resource: name)) }
        for volume in observed.ledger.volumes(of: name) where observed.backingVolumes[volume] != nil {
            steps.append(.deleteBackingVolume(resource: name, volume: volume))
        }
        steps.append(.release(resource: name))
        return steps
    }

    static func realization(of resource: PlannedResource, observed: Observation) -> Outcome {
        let name = resource.name
        var problems: [String] = []
        var steps: [SatelliteStep] = []
        let owned = observed.ledger.resources.contains(name)
        let existingFile = observed.resourceFiles[name]

        let fileText: String
        switch resource.file {
        case .success(let text): fileText = text
        case .failure(let error): return .problems(["cannot write the engine configuration: \(error.message)"])
        }

        // A resource that is not ours yet: fresh, ours-but-forgotten (identical file), or foreign.
        var adopting = false
        if !owned {
            if let existingFile {
                guard existingFile == fileText else {
                    return .problems(["a resource file named \(name).res already exists in the engine's folder and was not written by this satellite; remove or rename it, or choose another resource name"])
                }
                adopting = true
            } else if observed.engineRunning.contains(name) {
                return .problems(["the engine already runs a resource named \(name) that this satellite did not set up; take it down with 'tandem adm down \(name)' or choose another resource name"])
            }
        }

        var adoptedVolumes: [BackingVolumeKey] = []
        for volume in resource.volumes {
            guard let key = volume.backing else { continue }
            guard observed.definedPools.contains(key.pool) else {
                problems.append("volume \(volume.volumeNumber): storage pool '\(key.pool)' is not defined on this node")
                continue
            }
            if let poolProblem = observed.poolProblems[key.pool] {
                problems.append("volume \(volume.volumeNumber): storage pool '\(key.pool)' is not usable: \(poolProblem)")
                continue
            }
            let volumeOwned = observed.ledger.volumes[key] == name
            if let existingKiB = observed.backingVolumes[key] {
                if !volumeOwned {
                    if adopting {
                        adoptedVolumes.append(key)
                    } else {
                        problems.append("volume \(volume.volumeNumber): backing volume \(key.name) already exists in storage pool '\(key.pool)' and was not created by this satellite; remove or rename it")
                        continue
                    }
                }
                if existingKiB < volume.sizeKiB {
                    steps.append(.growBackingVolume(resource: name, volume: key, sizeKiB: volume.sizeKiB))
                } else if existingKiB > volume.sizeKiB, !isRoundingOf(volume.sizeKiB, existingKiB) {
                    problems.append("volume \(volume.volumeNumber): backing volume \(key) is \(existingKiB) KiB, larger than the requested \(volume.sizeKiB) KiB; shrinking a replicated volume is not supported")
                }
            } else {
                steps.append(.createBackingVolume(resource: name, volume: key, sizeKiB: volume.sizeKiB))
            }
        }
        guard problems.isEmpty else { return .problems(problems) }

        var prefix: [SatelliteStep] = []
        if adopting {
            prefix.append(.adopt(resource: name, volumes: adoptedVolumes))
        } else if !owned {
            prefix.append(.claim(resource: name))
        }
        if existingFile != fileText {
            steps.append(.writeResourceFile(resource: name, text: fileText))
            steps.append(.adjust(resource: name))
        } else if !observed.engineRunning.contains(name) || observed.ledger.adjustPending.contains(name) || !steps.isEmpty {
            steps.append(.adjust(resource: name))
        }
        // Volumes dropped from the resource: freed only after the engine has let go of them.
        let wanted = Set(resource.volumes.compactMap(\.backing))
        for key in observed.ledger.volumes(of: name) where !wanted.contains(key) && observed.backingVolumes[key] != nil {
            if steps.last != .adjust(resource: name) { steps.append(.adjust(resource: name)) }
            steps.append(.deleteBackingVolume(resource: name, volume: key))
        }
        return .steps(prefix + steps)
    }

    /// Providers round sizes up (zvols to 8 KiB, LVM to extents of 4 MiB): a backing volume a
    /// little larger than asked for is what the provider made, not a shrink request.
    static func isRoundingOf(_ requestedKiB: UInt64, _ existingKiB: UInt64) -> Bool {
        existingKiB - requestedKiB < 4 * 1024
    }
}
