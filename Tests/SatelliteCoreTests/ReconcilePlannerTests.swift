@testable import SatelliteCore
import TandemModel
import Testing

/// The effect each step has on a node, as the tests model it: applying a plan to the
/// observation it came from must yield an observation for which the plan is empty.
func applying(_ steps: [SatelliteStep], to observed: Observation, failingAt failing: SatelliteStep? = nil) -> Observation {
    var o = observed
    var stopped: Set<String> = []
    for step in steps where !stopped.contains(step.resource) {
        if step == failing { stopped.insert(step.resource); continue }
        switch step {
        case .claim(let r): o.ledger.resources.insert(r)
        case .adopt(let r, let volumes):
            o.ledger.resources.insert(r)
            for v in volumes { o.ledger.volumes[v] = r }
        case .createBackingVolume(let r, let v, let kib):
            o.ledger.volumes[v] = r
            o.backingVolumes[v] = kib
        case .growBackingVolume(_, let v, let kib): o.backingVolumes[v] = kib
        case .writeResourceFile(let r, let text):
            o.ledger.adjustPending.insert(r)
            o.resourceFiles[r] = text
        case .adjust(let r):
            o.engineRunning.insert(r)
            o.ledger.adjustPending.remove(r)
        case .down(let r): o.engineRunning.remove(r)
        case .removeResourceFile(let r): o.resourceFiles[r] = nil
        case .deleteBackingVolume(_, let v):
            o.backingVolumes[v] = nil
        case .release(let r):
            o.ledger.resources.remove(r)
            for v in o.ledger.volumes(of: r) { o.ledger.volumes[v] = nil }
            o.ledger.adjustPending.remove(r)
        }
    }
    return o
}

func resource(_ name: String, sizesKiB: [UInt64] = [65536], pool: String = "pool1", file: String? = nil) -> PlannedResource {
    PlannedResource(
        name: name,
        volumes: sizesKiB.enumerated().map { i, kib in
            PlannedVolume(volumeNumber: i, backing: BackingVolumeKey(pool: pool, name: BackingVolumeKey.name(resource: name, volumeNumber: i)), sizeKiB: kib)
        },
        file: .success(file ?? "resource \(name) sizes \(sizesKiB)"))
}

func key(_ r: String, _ n: Int = 0, pool: String = "pool1") -> BackingVolumeKey {
    BackingVolumeKey(pool: pool, name: BackingVolumeKey.name(resource: r, volumeNumber: n))
}

let emptyNode = Observation(definedPools: ["pool1"])

@Suite struct ReconcilePlannerTests {
    @Test func newResourceIsClaimedCreatedWrittenAndAdjustedInThatOrder() {
        let r = resource("backups", sizesKiB: [65536, 1024])
        let plan = ReconcilePlanner.plan(desired: [r], observed: emptyNode)
        #expect(plan.problems.isEmpty)
        #expect(plan.steps == [
            .claim(resource: "backups"),
            .createBackingVolume(resource: "backups", volume: key("backups", 0), sizeKiB: 65536),
            .createBackingVolume(resource: "backups", volume: key("backups", 1), sizeKiB: 1024),
            .writeResourceFile(resource: "backups", text: "resource backups sizes [65536, 1024]"),
            .adjust(resource: "backups"),
        ])
    }

    @Test func planIsIdempotent() {
        let desired = [resource("a"), resource("b", sizesKiB: [4096, 8192])]
        let after = applying(ReconcilePlanner.plan(desired: desired, observed: emptyNode).steps, to: emptyNode)
        #expect(ReconcilePlanner.plan(desired: desired, observed: after) == SatellitePlan())
    }

    @Test func startingSatelliteLeavesRunningUnchangedResourcesAlone() {
        // What a restarted satellite finds: files written earlier, the engine running them.
        let desired = [resource("a"), resource("b")]
        let running = applying(ReconcilePlanner.plan(desired: desired, observed: emptyNode).steps, to: emptyNode)
        let plan = ReconcilePlanner.plan(desired: desired, observed: running)
        #expect(plan.steps.isEmpty)
        #expect(!plan.steps.contains { if case .down = $0 { true } else { false } })
    }

    @Test func unchangedFileButEngineNotRunningIsOnlyAdjusted() {
        let desired = [resource("a")]
        var o = applying(ReconcilePlanner.plan(desired: desired, observed: emptyNode).steps, to: emptyNode)
        o.engineRunning = []
        #expect(ReconcilePlanner.plan(desired: desired, observed: o).steps == [.adjust(resource: "a")])
    }

    @Test func changedFileIsRewrittenAndAdjustedWithoutDown() {
        let o = applying(ReconcilePlanner.plan(desired: [resource("a")], observed: emptyNode).steps, to: emptyNode)
        let changed = resource("a", file: "resource a with a new peer")
        let plan = ReconcilePlanner.plan(desired: [changed], observed: o)
        #expect(plan.steps == [.writeResourceFile(resource: "a", text: "resource a with a new peer"), .adjust(resource: "a")])
    }

    @Test func aFailedAdjustIsRetriedEvenWhenTheFileIsAlreadyWritten() {
        let o = applying(ReconcilePlanner.plan(desired: [resource("a")], observed: emptyNode).steps, to: emptyNode)
        let changed = resource("a", file: "v2")
        let plan = ReconcilePlanner.plan(desired: [changed], observed: o)
        // The engine refuses the adjust after the file was written: a restart must still adjust.
        let half = applying(plan.steps, to: o, failingAt: .adjust(resource: "a"))
        #expect(half.resourceFiles["a"] == "v2")
        #expect(ReconcilePlanner.plan(desired: [changed], observed: half).steps == [.adjust(resource: "a")])
    }

    @Test func deletionTakesTheResourceDownBeforeFreeingStorage() {
        let o = applying(ReconcilePlanner.plan(desired: [resource("a", sizesKiB: [1024, 2048])], observed: emptyNode).steps, to: emptyNode)
        let plan = ReconcilePlanner.plan(desired: [], observed: o)
        #expect(plan.steps == [
            .down(resource: "a"),
            .removeResourceFile(resource: "a"),
            .deleteBackingVolume(resource: "a", volume: key("a", 0)),
            .deleteBackingVolume(resource: "a", volume: key("a", 1)),
            .release(resource: "a"),
        ])
        let gone = applying(plan.steps, to: o)
        #expect(gone.backingVolumes.isEmpty && gone.resourceFiles.isEmpty && gone.engineRunning.isEmpty)
        #expect(gone.ledger == OwnershipLedger())
        #expect(ReconcilePlanner.plan(desired: [], observed: gone).steps.isEmpty)
    }

    @Test func interruptedDeletionResumesWhereItStopped() {
        let o = applying(ReconcilePlanner.plan(desired: [resource("a")], observed: emptyNode).steps, to: emptyNode)
        let plan = ReconcilePlanner.plan(desired: [], observed: o)
        let half = applying(plan.steps, to: o, failingAt: .deleteBackingVolume(resource: "a", volume: key("a")))
        #expect(ReconcilePlanner.plan(desired: [], observed: half).steps == [
            .deleteBackingVolume(resource: "a", volume: key("a")), .release(resource: "a"),
        ])
    }

    @Test func deletionsComeBeforeCreations() {
        let o = applying(ReconcilePlanner.plan(desired: [resource("zz")], observed: emptyNode).steps, to: emptyNode)
        let plan = ReconcilePlanner.plan(desired: [resource("aa")], observed: o)
        let firstCreate = plan.steps.firstIndex { $0.resource == "aa" }!
        let lastDelete = plan.steps.lastIndex { $0.resource == "zz" }!
        #expect(lastDelete < firstCreate)
    }

    @Test func foreignResourcesAreNeverTouched() {
        // A hand-written resource file and a running resource the satellite never set up.
        let o = Observation(definedPools: ["pool1"], resourceFiles: ["handmade": "x"], engineRunning: ["handmade"])
        #expect(ReconcilePlanner.plan(desired: [], observed: o).steps.isEmpty)
        let clash = ReconcilePlanner.plan(desired: [resource("handmade")], observed: o)
        #expect(clash.steps.isEmpty)
        #expect(clash.problems["handmade"]?.first?.contains("not written by this satellite") == true)
    }

    @Test func existingForeignBackingVolumeIsANameClash() {
        let o = Observation(definedPools: ["pool1"], backingVolumes: [key("a"): 65536])
        let plan = ReconcilePlanner.plan(desired: [resource("a"), resource("b")], observed: o)
        #expect(plan.problems["a"]?.first?.contains("already exists") == true)
        #expect(!plan.steps.contains { $0.resource == "a" })
        #expect(plan.steps.contains(.claim(resource: "b")))
    }

    @Test func lostLedgerAdoptsIdenticalResourcesWithoutTouchingThem() {
        var o = applying(ReconcilePlanner.plan(desired: [resource("a")], observed: emptyNode).steps, to: emptyNode)
        o.ledger = OwnershipLedger()
        let plan = ReconcilePlanner.plan(desired: [resource("a")], observed: o)
        #expect(plan.steps == [.adopt(resource: "a", volumes: [key("a")])])
        let adopted = applying(plan.steps, to: o)
        #expect(ReconcilePlanner.plan(desired: [resource("a")], observed: adopted).steps.isEmpty)
        // After adoption, deleting works as for any resource of ours.
        #expect(ReconcilePlanner.plan(desired: [], observed: adopted).steps.contains(.deleteBackingVolume(resource: "a", volume: key("a"))))
    }

    @Test func unusableOrUnknownPoolIsAProblemAndNothingStarts() {
        var o = emptyNode
        o.poolProblems["pool1"] = "LVM needs the kernel's device-mapper"
        let plan = ReconcilePlanner.plan(desired: [resource("a"), resource("b", pool: "nowhere")], observed: o)
        #expect(plan.steps.isEmpty)
        #expect(plan.problems["a"]?.first?.contains("device-mapper") == true)
        #expect(plan.problems["b"]?.first?.contains("not defined on this node") == true)
    }

    @Test func growIsDoneBeforeTheFileChangesAndShrinkIsRefused() {
        let o = applying(ReconcilePlanner.plan(desired: [resource("a", sizesKiB: [65536])], observed: emptyNode).steps, to: emptyNode)
        let grown = ReconcilePlanner.plan(desired: [resource("a", sizesKiB: [131072])], observed: o)
        #expect(grown.steps == [
            .growBackingVolume(resource: "a", volume: key("a"), sizeKiB: 131072),
            .writeResourceFile(resource: "a", text: "resource a sizes [131072]"),
            .adjust(resource: "a"),
        ])
        let shrunk = ReconcilePlanner.plan(desired: [resource("a", sizesKiB: [32768])], observed: o)
        #expect(shrunk.steps.isEmpty)
        #expect(shrunk.problems["a"]?.first?.contains("shrinking") == true)
        // A provider that rounded up (zvol blocks, LVM extents) is not a shrink.
        var rounded = o
        rounded.backingVolumes[key("a")] = 65536 + 8
        #expect(ReconcilePlanner.plan(desired: [resource("a")], observed: rounded).steps.isEmpty)
    }

    @Test func droppedVolumeIsFreedAfterTheEngineLetGo() {
        let o = applying(ReconcilePlanner.plan(desired: [resource("a", sizesKiB: [1024, 1024])], observed: emptyNode).steps, to: emptyNode)
        let plan = ReconcilePlanner.plan(desired: [resource("a", sizesKiB: [1024])], observed: o)
        #expect(plan.steps == [
            .writeResourceFile(resource: "a", text: "resource a sizes [1024]"),
            .adjust(resource: "a"),
            .deleteBackingVolume(resource: "a", volume: key("a", 1)),
        ])
    }

    @Test func renderFailureIsReportedAndChangesNothing() {
        let bad = PlannedResource(name: "a", volumes: [], file: .failure(RenderError("unknown option 'quorom'")))
        let o = applying(ReconcilePlanner.plan(desired: [resource("a")], observed: emptyNode).steps, to: emptyNode)
        let plan = ReconcilePlanner.plan(desired: [bad], observed: o)
        #expect(plan.steps.isEmpty)
        #expect(plan.problems["a"]?.first?.contains("quorom") == true)
    }

    @Test func disklessResourceNeedsNoStorage() {
        let desired = DesiredResource(name: "client", nodeId: 2, port: 7001, diskless: true,
                                      volumes: [DesiredVolume(volumeNumber: 0, sizeKiB: 1024, minor: 1001, storagePool: "DfltDisklessStorPool")], peers: [])
        let planned = PlannedResource.from(desired) { _ in .success("client file") }
        #expect(planned.volumes.first?.backing == nil)
        #expect(ReconcilePlanner.plan(desired: [planned], observed: Observation()).steps == [
            .claim(resource: "client"), .writeResourceFile(resource: "client", text: "client file"), .adjust(resource: "client"),
        ])
    }

    @Test func planDoesNotDependOnInputOrder() {
        let a = resource("a"), b = resource("b"), c = resource("c", sizesKiB: [1, 2])
        #expect(ReconcilePlanner.plan(desired: [a, b, c], observed: emptyNode) == ReconcilePlanner.plan(desired: [c, a, b], observed: emptyNode))
    }

    @Test func volumeNamesFollowLINSTOR() {
        #expect(BackingVolumeKey.name(resource: "rsc1", volumeNumber: 0) == "rsc1_00000")
        #expect(BackingVolumeKey.name(resource: "db", volumeNumber: 12) == "db_00012")
    }
}

@Suite struct InitialSyncTests {
    let fresh = InitialSync.Peer(nodeId: 1, diskless: false, connected: true, disks: ["Inconsistent"])

    @Test func lowestDiskfulNodeForcesWhenAllAreFreshAndConnected() {
        #expect(InitialSync.shouldForce(pending: true, myNodeId: 0, myDisks: ["Inconsistent"], peers: [fresh]))
        // The other node waits for it.
        let lower = InitialSync.Peer(nodeId: 0, diskless: false, connected: true, disks: ["Inconsistent"])
        #expect(!InitialSync.shouldForce(pending: true, myNodeId: 1, myDisks: ["Inconsistent"], peers: [lower]))
    }

    @Test func neverWhileAPeerMightHoldData() {
        var disconnected = fresh; disconnected.connected = false
        var upToDate = fresh; upToDate.disks = ["UpToDate"]
        var outdated = fresh; outdated.disks = ["Outdated"]
        var unknown = fresh; unknown.disks = []
        for peer in [disconnected, upToDate, outdated, unknown] {
            #expect(!InitialSync.shouldForce(pending: true, myNodeId: 0, myDisks: ["Inconsistent"], peers: [peer]))
        }
        #expect(!InitialSync.shouldForce(pending: false, myNodeId: 0, myDisks: ["Inconsistent"], peers: [fresh]))
        #expect(!InitialSync.shouldForce(pending: true, myNodeId: 0, myDisks: ["UpToDate"], peers: [fresh]))
        #expect(!InitialSync.shouldForce(pending: true, myNodeId: 0, myDisks: ["Inconsistent", "Outdated"], peers: [fresh]))
    }

    @Test func disklessPeersDoNotCountAndASingleReplicaForcesItself() {
        let client = InitialSync.Peer(nodeId: 0, diskless: true, connected: false, disks: [])
        #expect(InitialSync.shouldForce(pending: true, myNodeId: 1, myDisks: ["Inconsistent"], peers: [client]))
        #expect(InitialSync.shouldForce(pending: true, myNodeId: 3, myDisks: ["Inconsistent"], peers: []))
    }
}
