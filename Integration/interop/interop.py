"""Drives a real `tandem controller` (fake satellites) through python-linstor, unmodified.

Prints one `ok: <check>` or `FAIL: <check>: <why>` line per check; exits 1 if any failed.
Usage: interop.py URL   (e.g. linstor://127.0.0.1:3370)
"""
import sys
import traceback

import linstor
from linstor import ResourceData

URL = sys.argv[1]
failed = False


def report(name, good, why=""):
    global failed
    if good:
        print("ok: " + name)
    else:
        failed = True
        print("FAIL: %s: %s" % (name, why))
    sys.stdout.flush()


def check(name, fn):
    try:
        result = fn()
        if result is True or result is None:
            report(name, True)
        else:
            report(name, False, result)
    except Exception as e:  # a crash in one check must not hide the others
        report(name, False, "%s: %s" % (type(e).__name__, "".join(traceback.format_exception_only(type(e), e)).strip()))


def succeeded(replies):
    errors = [r for r in replies if r.is_error()]
    return True if replies and not errors else "replies: " + "; ".join("%s (%d)" % (r.message, r.ret_code) for r in replies)


def failed_with(replies, code, text=None):
    errs = [r for r in replies if r.is_error()]
    if not errs:
        return "expected an error, got: " + "; ".join(r.message for r in replies)
    if not any(r.is_error(code) for r in errs):
        return "expected error code %#x, got: %s" % (code, "; ".join("%s (%d)" % (r.message, r.ret_code) for r in errs))
    if text and not any(text in r.message for r in errs):
        return "expected '%s' in: %s" % (text, "; ".join(r.message for r in errs))
    return True


with linstor.Linstor(URL) as lin:
    check("controller version: numeric rest_api_version >= 1.0.4",
          lambda: True if tuple(int(x) for x in lin.controller_version().rest_api_version.split(".")) >= (1, 28, 0) else "old")

    for i, n in enumerate(["alpha", "bravo", "charlie"]):
        check("node create %s" % n, lambda n=n, i=i: succeeded(lin.node_create(n, "satellite", "10.43.70.%d" % (i + 1))))
    check("node create auxiliary node", lambda: succeeded(lin.node_create("tiebreaker", "Auxiliary", "10.43.70.9")))
    check("node create duplicate is refused (FAIL_EXISTS_NODE)",
          lambda: failed_with(lin.node_create("ALPHA", "satellite", "10.43.70.7"), linstor.consts.FAIL_EXISTS_NODE, "already exists"))
    check("node create with invalid name is refused",
          lambda: failed_with(lin.node_create("bad_name", "satellite", "10.43.70.8"), linstor.consts.FAIL_INVLD_NODE_NAME))

    def nodes_online():
        import time
        for _ in range(100):
            nodes = lin.node_list_raise().nodes
            if all(n.connection_status == "ONLINE" for n in nodes if n.type != "CONTROLLER"):
                return True if len(nodes) == 4 else "got %d nodes" % len(nodes)
            time.sleep(0.05)
        return "statuses: %s" % [(n.name, n.connection_status) for n in lin.node_list_raise().nodes]
    check("node list: all ONLINE with fake satellites", nodes_online)
    check("node list filtered by name", lambda: True if [n.name for n in lin.node_list_raise(filter_by_nodes=["bravo"]).nodes] == ["bravo"] else "wrong filter")
    check("node describe (active interface with port and PLAIN)", lambda: True if [
        (nif.address, nif.stlt_port, nif.stlt_encryption_type) for nif in lin.node_list_raise(filter_by_nodes=["alpha"]).nodes[0].net_interfaces
    ] == [("10.43.70.1", 3366, "PLAIN")] else "interfaces: %s" % lin.node_list_raise(filter_by_nodes=["alpha"]).nodes[0].net_interfaces)
    check("node set property", lambda: succeeded(lin.node_modify("alpha", property_dict={"Aux/site": "dc1"})))
    check("node property visible", lambda: True if lin.node_list_raise(filter_by_nodes=["alpha"]).nodes[0].props.get("Aux/site") == "dc1" else "missing")
    check("node modify unknown node is 404-style error",
          lambda: failed_with(lin.node_modify("zulu", property_dict={"a": "b"}), linstor.consts.FAIL_NOT_FOUND_NODE))

    for n in ["alpha", "bravo", "charlie"]:
        check("storage pool create FILE_THIN on %s" % n, lambda n=n: succeeded(lin.storage_pool_create(n, "pool0", "FILE_THIN", "/var/lib/tandem/pool0")))
    check("storage pool create on unknown node fails",
          lambda: failed_with(lin.storage_pool_create("zulu", "pool0", "FILE_THIN", "/x"), linstor.consts.FAIL_NOT_FOUND_NODE))
    check("storage pool create duplicate fails",
          lambda: failed_with(lin.storage_pool_create("alpha", "pool0", "FILE_THIN", "/x"), linstor.consts.FAIL_EXISTS_STOR_POOL))
    check("storage pool create FILE with relative path fails",
          lambda: failed_with(lin.storage_pool_create("alpha", "pool1", "FILE", "relative/dir"), linstor.consts.FAIL_INVLD_PROP))

    def pools_have_capacity():
        import time
        for _ in range(100):
            pools = lin.storage_pool_list_raise().storage_pools
            ours = [p for p in pools if p.name == "pool0"]
            if len(ours) == 3 and all(p.free_space and p.free_space.free_capacity for p in ours):
                diskless = [p for p in pools if p.name == "DfltDisklessStorPool"]
                return True if len(diskless) == 4 else "diskless pools: %d" % len(diskless)
            time.sleep(0.05)
        return "pools: %s" % [(p.node_name, p.name, p.free_space and p.free_space.free_capacity) for p in lin.storage_pool_list_raise().storage_pools]
    check("storage pool list: capacities reported, DfltDisklessStorPool on every node", pools_have_capacity)
    check("storage pool list per node", lambda: True if {p.name for p in lin.storage_pool_list_raise(filter_by_nodes=["bravo"]).storage_pools} == {"pool0", "DfltDisklessStorPool"} else "wrong")

    check("resource group create", lambda: succeeded(lin.resource_group_create("rg_fast", place_count=2, storage_pool=["pool0"], description="two copies")))
    check("resource group create duplicate fails",
          lambda: failed_with(lin.resource_group_create("rg_fast", place_count=2), linstor.consts.FAIL_EXISTS_RSC_GRP))
    check("resource group list", lambda: True if {g.name for g in lin.resource_group_list_raise().resource_groups} >= {"DfltRscGrp", "rg_fast"} else "missing")
    check("resource group spawn", lambda: succeeded(lin.resource_group_spawn("rg_fast", "spawned", ["1G"])))
    check("resource group spawn on unknown group fails",
          lambda: failed_with(lin.resource_group_spawn("rg_none", "x1", ["1G"]), linstor.consts.FAIL_NOT_FOUND_RSC_GRP))

    check("resource definition create", lambda: succeeded(lin.resource_dfn_create("backups")))
    check("resource definition create with bad name fails",
          lambda: failed_with(lin.resource_dfn_create("9lives"), linstor.consts.FAIL_INVLD_RSC_NAME))
    check("resource definition create duplicate fails",
          lambda: failed_with(lin.resource_dfn_create("BACKUPS"), linstor.consts.FAIL_EXISTS_RSC_DFN))
    check("resource definition set property", lambda: succeeded(lin.resource_dfn_modify("backups", {"DrbdOptions/Resource/quorum": "majority"}, [])))
    check("volume definition create 40G", lambda: succeeded(lin.volume_dfn_create("backups", 40 * 1024 * 1024)))
    check("volume definition create on unknown resource fails",
          lambda: failed_with(lin.volume_dfn_create("nothere", 1024), linstor.consts.FAIL_NOT_FOUND_RSC_DFN))
    check("volume definition create size 0 fails", lambda: failed_with(lin.volume_dfn_create("backups", 0), linstor.consts.FAIL_INVLD_VLM_SIZE))

    def rd_list():
        rds = {r.name: r for r in lin.resource_dfn_list_raise(query_volume_definitions=True).resource_definitions}
        if "backups" not in rds:
            return "backups missing"
        vds = rds["backups"].volume_definitions
        if len(vds) != 1 or vds[0].size != 40 * 1024 * 1024:
            return "volume definitions: %s" % vds
        minor = vds[0].drbd_data.minor if vds[0].drbd_data else None
        return True if minor and minor >= 1000 else "minor %s" % minor
    check("resource definition list with volume definitions and minor", rd_list)
    check("volume definition list (vd l)", lambda: True if [vd.number for rd in lin.resource_dfn_list_raise(query_volume_definitions=True, filter_by_resource_definitions=["backups"]).resource_definitions for vd in rd.volume_definitions] == [0] else "wrong")

    check("resource create on named nodes with storage pool",
          lambda: succeeded(lin.resource_create([ResourceData("alpha", "backups", storage_pool="pool0"), ResourceData("bravo", "backups", storage_pool="pool0")])))
    check("resource create diskless", lambda: succeeded(lin.resource_create([ResourceData("charlie", "backups", drbd_diskless=True)])))
    check("resource create twice on a node fails",
          lambda: failed_with(lin.resource_create([ResourceData("alpha", "backups", storage_pool="pool0")]), linstor.consts.FAIL_EXISTS_RSC))
    check("resource create with unknown pool fails",
          lambda: failed_with(lin.resource_create([ResourceData("charlie", "spawned", storage_pool="nopool")]), linstor.consts.FAIL_NOT_FOUND_STOR_POOL))

    check("resource definition create web", lambda: succeeded(lin.resource_dfn_create("web")))
    check("volume definition create web 1G", lambda: succeeded(lin.volume_dfn_create("web", 1024 * 1024)))
    check("resource autoplace 3", lambda: succeeded(lin.resource_auto_place("web", 3, storage_pool=["pool0"])))
    check("resource autoplace on a too-small cluster says why", lambda: (
        lin.resource_dfn_create("big"), lin.volume_dfn_create("big", 1024 * 1024 * 1024 * 1024),
        failed_with(lin.resource_auto_place("big", 2), linstor.consts.FAIL_NOT_ENOUGH_NODES, "nodes"))[-1])

    def resource_list():
        rs = lin.resource_list_raise().resources
        names = {r.name for r in rs}
        if not {"backups", "web", "spawned"} <= names:
            return "resources: %s" % sorted((r.name, r.node_name) for r in rs)
        web = lin.resource_list_raise(filter_by_resources=["web"]).resources
        if sorted(r.node_name for r in web) != ["alpha", "bravo", "charlie"]:
            return "web placed on %s" % [r.node_name for r in web]
        stacks = {tuple(r.layer_data.layer_stack) for r in web}
        return True if stacks == {("DRBD", "STORAGE")} else "layer stacks %s" % stacks
    check("resource list", resource_list)

    def volume_list():
        vols = lin.volume_list_raise(filter_by_resources=["backups"]).resources
        states = {}
        for r in vols:
            for v in r.volumes:
                states[r.node_name] = v.state.disk_state if v.state else None
        return True if states == {"alpha": "UpToDate", "bravo": "UpToDate", "charlie": "Diskless"} else "states: %s" % states
    check("volume list with disk states", volume_list)

    check("volume definition set size (grow)", lambda: succeeded(lin.volume_dfn_modify("web", 0, size=2 * 1024 * 1024)))
    check("volume definition shrink while deployed fails", lambda: True if any(r.is_error() for r in lin.volume_dfn_modify("web", 0, size=1024)) else "shrunk")
    check("node delete with resources fails", lambda: True if any(r.is_error() for r in lin.node_delete("alpha")) else "deleted a node holding resources")
    check("resource delete", lambda: succeeded(lin.resource_delete("charlie", "backups")))
    check("resource delete again fails", lambda: failed_with(lin.resource_delete("charlie", "backups"), linstor.consts.FAIL_NOT_FOUND_RSC))
    check("volume definition delete", lambda: succeeded(lin.volume_dfn_delete("spawned", 0)))
    check("resource definition delete", lambda: succeeded(lin.resource_dfn_delete("backups")))
    check("resource definition delete unknown fails", lambda: failed_with(lin.resource_dfn_delete("backups"), linstor.consts.FAIL_NOT_FOUND_RSC_DFN))
    check("storage pool delete in use fails", lambda: True if any(r.is_error() for r in lin.storage_pool_delete("alpha", "pool0")) else "deleted a used pool")
    check("node lost while connected is refused (FAIL_IN_USE)",
          lambda: failed_with(lin.node_lost("bravo"), linstor.consts.FAIL_IN_USE, "still connected"))
    check("node lost unknown node fails (FAIL_NOT_FOUND_NODE)", lambda: failed_with(lin.node_lost("nosuch"), linstor.consts.FAIL_NOT_FOUND_NODE))
    check("node create controller-type node (no satellite) to lose", lambda: succeeded(lin.node_create("gone", "Controller", "10.43.70.10")))
    check("node lost (no satellite connection)", lambda: succeeded(lin.node_lost("gone")))
    check("lost node gone from list", lambda: True if "gone" not in [n.name for n in lin.node_list_raise().nodes] else "still listed")
    check("node delete (no resources)", lambda: succeeded(lin.node_delete("tiebreaker")))
    check("node gone from list", lambda: True if "tiebreaker" not in [n.name for n in lin.node_list_raise().nodes] else "still listed")

sys.exit(1 if failed else 0)
