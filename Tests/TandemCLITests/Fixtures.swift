import Foundation
@testable import TandemCLICore

/// LINSTOR-shaped REST replies (docs/rest_v1_openapi.yaml 1.28.0 and the captured examples in
/// the reference notes), used to check decoding and rendering without a controller.
enum Fixtures {
    static let nodes = """
    [{"name":"bravo","type":"SATELLITE","flags":[],"props":{"CurStltConnName":"default","NodeUname":"bravo"},
      "net_interfaces":[{"name":"default","address":"10.43.70.3","satellite_port":3366,"satellite_encryption_type":"PLAIN","is_active":true,"uuid":"u1"}],
      "connection_status":"OFFLINE","uuid":"n1","storage_providers":["DISKLESS","FILE","FILE_THIN"],"resource_layers":["DRBD","STORAGE"]},
     {"name":"alpha","type":"COMBINED","flags":[],
      "net_interfaces":[{"name":"backup","address":"192.168.0.2","satellite_port":3366,"satellite_encryption_type":"PLAIN","is_active":false},
                        {"name":"default","address":"10.43.70.2","satellite_port":3367,"satellite_encryption_type":"SSL","is_active":true}],
      "connection_status":"ONLINE"},
     {"name":"charlie","type":"SATELLITE","flags":["EVICTED"],"net_interfaces":[],"connection_status":"ONLINE"},
     {"name":"delta","type":"SATELLITE","connection_status":"VERSION_MISMATCH"}]
    """

    static let storagePools = """
    [{"storage_pool_name":"pool1","node_name":"alpha","provider_kind":"FILE_THIN",
      "props":{"StorDriver/StorPoolName":"/var/lib/tandem/pool1"},"static_traits":{"Provisioning":"Thin","SupportsSnapshots":"true"},
      "free_capacity":99614720,"total_capacity":104857600,"free_space_mgr_name":"alpha;pool1","uuid":"p1","supports_snapshots":true,
      "external_locking":false,"reports":[]},
     {"storage_pool_name":"DfltDisklessStorPool","node_name":"alpha","provider_kind":"DISKLESS","static_traits":{"SupportsSnapshots":"false"},
      "free_capacity":9223372036854775807,"total_capacity":9223372036854775807,"free_space_mgr_name":"alpha;DfltDisklessStorPool","supports_snapshots":false},
     {"storage_pool_name":"pool1","node_name":"bravo","provider_kind":"LVM","props":{"StorDriver/StorPoolName":"vg0"},
      "free_space_mgr_name":"shared:space","supports_snapshots":false,
      "reports":[{"ret_code":-4611686018427387904,"message":"Volume group 'vg0' not found"}]}]
    """

    static let resourceDefinitions = """
    [{"name":"rsc1","props":{"DrbdOptions/Resource/quorum":"majority"},"flags":[],"uuid":"r1","resource_group_name":"DfltRscGrp",
      "layer_data":[{"type":"DRBD","data":{"resource_name_suffix":"","peer_slots":7,"al_stripes":1,"al_stripe_size_kib":32,"port":-1,"transport_type":"IP","secret":"s","down":false}},{"type":"STORAGE"}],
      "volume_definitions":[{"volume_number":1,"size_kib":524288,"flags":["GROSS_SIZE"],"props":{},"uuid":"v2",
                             "layer_data":[{"type":"DRBD","data":{"resource_name_suffix":"","volume_number":1,"minor_number":1001}},{"type":"STORAGE"}]},
                            {"volume_number":0,"size_kib":41943040,"flags":[],"props":{},"uuid":"v1",
                             "layer_data":[{"type":"DRBD","data":{"resource_name_suffix":"","volume_number":0,"minor_number":1000}},{"type":"STORAGE"}]}]},
     {"name":"backups","flags":["DELETE"],"resource_group_name":"web","layer_data":[{"type":"DRBD"},{"type":"STORAGE"}]}]
    """

    static let resourceGroups = """
    [{"name":"DfltRscGrp","select_filter":{"place_count":2},"uuid":"g1"},
     {"name":"web","description":"web servers","props":{},
      "select_filter":{"place_count":3,"storage_pool_list":["pool1"],"replicas_on_different":["Aux/site"],"diskless_on_remaining":true}}]
    """

    /// Trimmed from a captured LINSTOR reply, with a diskless tiebreaker and a syncing peer.
    static let resources = """
    [{"name":"rsc1","node_name":"node-0","props":{"StorPoolName":"thinpool"},
      "layer_object":{"type":"DRBD","children":[{"type":"STORAGE","storage":{"storage_volumes":[{"volume_number":0,"device_path":"/dev/linstor_vg/rsc1_00000","allocated_size_kib":1052672,"usable_size_kib":1052672,"disk_state":"[]"}]}}],
         "drbd":{"drbd_resource_definition":{"peer_slots":7,"al_stripes":1,"al_stripe_size_kib":32,"port":7000,"transport_type":"IP","secret":"x","down":false},
                 "node_id":0,"peer_slots":7,"al_stripes":1,"al_size":32,"tcp_ports":[7000],
                 "drbd_volumes":[{"drbd_volume_definition":{"volume_number":0,"minor_number":1000},"device_path":"/dev/drbd1000","backing_device":"/dev/linstor_vg/rsc1_00000","allocated_size_kib":1048840,"usable_size_kib":1048576}],
                 "connections":{"node-1":{"connected":true,"message":"Connected"},"node-2":{"connected":true,"message":"Connected"}},
                 "promotion_score":10103,"may_promote":true}},
      "state":{"in_use":true},"uuid":"x","create_timestamp":1623230527247,
      "volumes":[{"volume_number":0,"storage_pool_name":"thinpool","provider_kind":"LVM_THIN","device_path":"/dev/drbd1000","allocated_size_kib":315,
         "props":{"Satellite/Device/Symlinks/0":"/dev/drbd/by-res/rsc1/0"},
         "state":{"disk_state":"UpToDate","replication_states":{"node-1":{"replication_state":"Established"},"node-2":{"replication_state":"Established"}}},
         "layer_data_list":[{"type":"DRBD","data":{"drbd_volume_definition":{"volume_number":0,"minor_number":1000},"device_path":"/dev/drbd1000","backing_device":"/dev/linstor_vg/rsc1_00000","allocated_size_kib":1048840,"usable_size_kib":1048576}},
                            {"type":"STORAGE","data":{"volume_number":0,"device_path":"/dev/linstor_vg/rsc1_00000","allocated_size_kib":1052672,"usable_size_kib":1052672}}],
         "uuid":"v"}]},
     {"name":"rsc1","node_name":"node-1","flags":[],
      "layer_object":{"type":"DRBD","children":[{"type":"STORAGE"}],"drbd":{"node_id":1,"connections":{"node-0":{"connected":true,"message":"Connected"},"node-2":{"connected":false,"message":"Connecting"}}}},
      "state":{"in_use":false},"create_timestamp":1623230528000,
      "volumes":[{"volume_number":0,"storage_pool_name":"thinpool","provider_kind":"LVM_THIN","device_path":"/dev/drbd1000","allocated_size_kib":1048576,
         "state":{"disk_state":"Inconsistent","replication_states":{"node-0":{"replication_state":"SyncTarget","done_percentage":45.2},"node-2":{"replication_state":"Off"}}},
         "layer_data_list":[{"type":"DRBD","data":{"drbd_volume_definition":{"volume_number":0,"minor_number":1000},"device_path":"/dev/drbd1000"}},{"type":"STORAGE"}]}]},
     {"name":"rsc1","node_name":"node-2","flags":["DISKLESS","DRBD_DISKLESS","TIE_BREAKER"],"props":{"StorPoolName":"DfltDisklessStorPool"},
      "layer_object":{"type":"DRBD","children":[{"type":"STORAGE"}],"drbd":{"node_id":2,"connections":{}}},
      "state":{"in_use":null},
      "volumes":[{"volume_number":0,"storage_pool_name":"DfltDisklessStorPool","provider_kind":"DISKLESS","device_path":"/dev/drbd1000",
         "state":{"disk_state":"Diskless"},"layer_data_list":[{"type":"DRBD","data":{"drbd_volume_definition":{"volume_number":0,"minor_number":1000}}},{"type":"STORAGE"}]}]},
     {"name":"old","node_name":"node-0","flags":["DELETE"],"layer_object":{"type":"STORAGE"},
      "volumes":[{"volume_number":0,"storage_pool_name":"thinpool","layer_data_list":[{"type":"STORAGE"}]}]}]
    """

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }
}
