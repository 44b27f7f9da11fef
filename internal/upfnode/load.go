package upfnode

import "go5g/internal/yamlconf"

// Load reads the YAML file at path over Defaults and validates the result.
// Errors name the file, the line and the field's path
// ("upf.yaml:4: n6.pools[0]: ...").
func Load(path string) (Config, error) {
	return yamlconf.Load(path, Defaults(), Config.Validate)
}

// Parse is Load for data already read; name labels the errors.
func Parse(name string, data []byte) (Config, error) {
	return yamlconf.Parse(name, data, Defaults(), Config.Validate)
}

// keyHelp is the comment Marshal puts after each key.
func keyHelp() map[string]string {
	return map[string]string{
		"node_id":               "PFCP Node ID: IP or FQDN; empty: the N4 host, else the N3 address",
		"n4.address":            "PFCP host:port for SMFs (port 8805); empty host: every address",
		"n4.smf":                "SMFs to associate with (ip or ip:port); empty: wait for SMFs",
		"n4.heartbeat_interval": "Go duration; negative: no heartbeats",
		"n3.address":            "GTP-U host:port for gNBs (port 2152)",
		"n3.advertise":          "IP put in F-TEIDs; empty: the n3.address host, else the host's only global IPv4",
		"n6.device":             "TUN device towards the data network (removed on exit)",
		"n6.mtu":                "MTU of the TUN; 1400 leaves room for GTP-U on a 1500-octet N3 link",
		"n6.addresses":          "the TUN's own addresses, e.g. [10.45.0.1/16]; optional",
		"n6.pools":              "UE address pools routed into the TUN (IPv4 CIDRs, IPv6 /64 or shorter)",
		"workers":               "packet workers (N3 socket + TUN queue each); 0: one per CPU",
	}
}

// Marshal writes cfg as YAML that Load reads back to the same Config, each
// key commented with what it takes, so an operator can start a file from it.
func Marshal(cfg Config) ([]byte, error) {
	return yamlconf.Marshal(cfg, keyHelp())
}
