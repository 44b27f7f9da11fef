package core

import "go5g/internal/yamlconf"

// Load reads the YAML file at path over Defaults and validates the result.
// Every error names the file, the line and the field's full path
// ("core.yaml:7: amf.n2.transport: ..."), so the operator can go straight
// to it.
func Load(path string) (Config, error) {
	return yamlconf.Load(path, Defaults(), Config.Validate)
}

// Parse is Load for data already read; name labels the errors.
func Parse(name string, data []byte) (Config, error) {
	return yamlconf.Parse(name, data, Defaults(), Config.Validate)
}

// Marshal writes cfg as YAML that Load reads back to the same Config, each
// key commented with what it takes, so an operator can start a file from it.
func Marshal(cfg Config) ([]byte, error) {
	return yamlconf.Marshal(cfg, keyHelp(), "amf.slices")
}

// keyHelp is the comment Marshal puts after each key.
func keyHelp() map[string]string {
	return map[string]string{
		"plmn.mcc":                  "mobile country code, 3 digits",
		"plmn.mnc":                  "mobile network code, 2 or 3 digits",
		"data_dir":                  "the store defaults to <data_dir>/go5g.db",
		"store":                     "SQLite file shared with 'go5g subscriber' and 'go5g keys', or postgres://user@host/db",
		"store_key_file":            "master key file (32 raw octets, or lines of 64 hex digits: the first seals, the rest only open); mode 0600; empty: keys stored unencrypted",
		"metrics.token":             "bearer token Prometheus must send for /metrics (on api.address); empty: no token",
		"api.address":               "REST API /api/v1 host:port (HTTP: keep it on loopback or behind TLS); empty: off",
		"log.level":                 "debug, info, warn or error",
		"log.format":                "text or json",
		"amf.name":                  "AMF Name sent to gNBs in NG Setup",
		"amf.region_id":             "GUAMI: AMF Region ID 0-255, Set ID 0-1023, Pointer 0-63",
		"amf.tacs":                  "tracking area codes served: 1 to 16, each up to 16777215",
		"amf.slices":                "S-NSSAIs (1 to 8): sst 0-255 and an optional sd of 6 hex digits",
		"amf.integrity":             "NAS integrity preference: NIA1, NIA2, NIA3",
		"amf.ciphering":             "NAS ciphering preference: NEA0 (none), NEA1, NEA2, NEA3",
		"amf.timers":                "Go durations (6s, 500ms, 54m); a negative t3512 turns periodic registration off",
		"amf.max_retransmissions":   "NAS retransmissions before a procedure is aborted",
		"amf.workers":               "UE worker shards; 0: 4 per CPU",
		"amf.n2.address":            "SCTP host:port for gNBs (NGAP uses port 38412); empty host: every IPv4 address",
		"amf.n2.transport":          "kernel, udp (SCTP over UDP, RFC 6951), ip (raw IP, needs root) or auto (kernel if present, else udp)",
		"amf.n2.udp_port":           "local UDP port of transport udp (9899); 0: any free port",
		"amf.n2.sctp":               "RFC 9260 §16 protocol parameters",
		"amf.n2.sctp.streams":       "inbound and outbound streams; NGAP needs 2 or more",
		"smf.dnns":                  "data networks: a name, UE pools (IPv4 CIDR, IPv6 prefix of /64 or shorter; each UE gets a /64) and DNS servers for UEs",
		"smf.dnns.ipv4_pool":        "IPv4 CIDR of UE addresses; empty: no IPv4 sessions",
		"smf.dnns.ipv6_pool":        "IPv6 prefix, /64 or shorter, one /64 per UE; empty: no IPv6 sessions",
		"smf.dnns.dns":              "DNS server addresses given to UEs (ePCO)",
		"smf.upfs":                  "UPFs in selection order: the first serving the session's DNN and slice is used",
		"smf.upfs.n4_address":       "the UPF's PFCP ip:port (8805); empty: the UPF embedded in this process (section upf)",
		"smf.upfs.dnns":             "DNNs the UPF serves; empty: all",
		"smf.upfs.slices":           "slices (of amf.slices) the UPF serves; empty: all",
		"smf.n4_heartbeat_interval": "how often the SMF checks a quiet UPF (a restart is noticed within ~2 intervals); negative: never",
		"smf.n4_address":            "the SMF's PFCP ip:port (8805); the IP is its Node ID, reachable from the UPFs and not the UPF's own; port 0: any free port",
		"upf":                       "the UPF embedded in 'go5g core' (needs root for its TUN; without it signalling runs and PDU sessions are rejected)",
		"upf.enabled":               "run the embedded UPF when smf.upfs names it",
		"upf.n4.address":            "PFCP host:port the SMF reaches the embedded UPF on",
		"upf.n3.address":            "GTP-U host:port for gNBs (port 2152)",
		"upf.n3.advertise":          "IP gNBs send GTP-U to; empty: the host of n3.address, or this host's only global IPv4 address",
		"upf.n6.device":             "TUN device towards the data network; the DNN pools are routed into it",
		"upf.n6.mtu":                "TUN MTU (1400 leaves room for GTP-U on a 1500-octet N3 link)",
		"upf.n6.addresses":          "the TUN's own addresses, e.g. [10.45.0.1/16], a gateway UEs can ping",
		"upf.workers":               "packet workers (N3 socket and TUN queue each); 0: one per CPU",
	}
}
