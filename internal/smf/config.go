package smf

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"go5g/internal/n2"
)

// Config is the SMF's configuration; zero fields take the values of Defaults.
type Config struct {
	// DNNs the SMF serves. A request for any other DNN is rejected with
	// 5GSM cause #27.
	DNNs []DNN
	// UPFs and what each serves; the first that serves a session's DNN and
	// slice is selected (TS 23.501 §6.3.3). Every name needs a UPF in Deps.
	UPFs []UPFConfig
	// DefaultFiveQI and DefaultARP apply when neither the subscription nor
	// the PCF give a default QoS (TS 23.501 §5.7.2.7: 5QI 9 is the usual
	// default for the internet).
	DefaultFiveQI uint8
	DefaultARP    uint8
	// DefaultAMBRUplink/Downlink (bit/s) apply when the subscription has no
	// Session-AMBR.
	DefaultAMBRUplink, DefaultAMBRDownlink uint64
	// T3591 and T3592 guard PDU SESSION MODIFICATION COMMAND and RELEASE
	// COMMAND: on expiry the command is sent again, four times at most
	// (timers.go); default 16 s each (TS 24.501 Table 10.3.2).
	T3591, T3592 time.Duration
}

// DNN is one data network: its address pools and DNS servers. Which pools
// are set says which PDU session types it allows: IPv4 with IPv4Pool, IPv6
// with IPv6Pool, IPv4v6 with both (TS 24.501 §6.4.1.3).
type DNN struct {
	Name string
	// IPv4Pool gives one address per session (network and broadcast
	// addresses excluded).
	IPv4Pool netip.Prefix
	// IPv6Pool gives one /64 prefix per session (TS 23.501 §5.8.2.2.3).
	IPv6Pool netip.Prefix
	// DNS servers given in ePCO to UEs that ask.
	DNS []netip.Addr
}

// UPFConfig names a UPF and the DNNs and slices it serves (empty: all).
type UPFConfig struct {
	Name   string
	DNNs   []string
	Slices []n2.SNSSAI
}

// Defaults is the configuration of a core without a config file: DNN
// "internet" with 10.45.0.0/16 and fd00:45::/48, public DNS servers, one
// UPF "upf" for everything, 5QI 9, ARP 8, 1 Gbit/s each way.
func Defaults() Config {
	return Config{
		DNNs: []DNN{{
			Name:     "internet",
			IPv4Pool: netip.MustParsePrefix("10.45.0.0/16"),
			IPv6Pool: netip.MustParsePrefix("fd00:45::/48"),
			DNS: []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("1.1.1.1"),
				netip.MustParseAddr("2001:4860:4860::8888")},
		}},
		UPFs:                []UPFConfig{{Name: "upf"}},
		DefaultFiveQI:       9,
		DefaultARP:          8,
		DefaultAMBRUplink:   1e9,
		DefaultAMBRDownlink: 1e9,
	}
}

func (c Config) withDefaults() Config {
	d := Defaults()
	if len(c.DNNs) == 0 {
		c.DNNs = d.DNNs
	}
	if len(c.UPFs) == 0 {
		c.UPFs = d.UPFs
	}
	if c.DefaultFiveQI == 0 {
		c.DefaultFiveQI = d.DefaultFiveQI
	}
	if c.DefaultARP == 0 {
		c.DefaultARP = d.DefaultARP
	}
	if c.DefaultAMBRUplink == 0 {
		c.DefaultAMBRUplink = d.DefaultAMBRUplink
	}
	if c.DefaultAMBRDownlink == 0 {
		c.DefaultAMBRDownlink = d.DefaultAMBRDownlink
	}
	if c.T3591 <= 0 {
		c.T3591 = defaultT359x
	}
	if c.T3592 <= 0 {
		c.T3592 = defaultT359x
	}
	return c
}

// Validate names the field of any bad value.
func (c Config) Validate() error {
	seen := map[string]bool{}
	for i, d := range c.DNNs {
		switch {
		case d.Name == "":
			return fmt.Errorf("smf: DNNs[%d].Name is empty", i)
		case seen[d.Name]:
			return fmt.Errorf("smf: DNN %q configured twice", d.Name)
		case !d.IPv4Pool.IsValid() && !d.IPv6Pool.IsValid():
			return fmt.Errorf("smf: DNN %q has neither an IPv4 nor an IPv6 pool", d.Name)
		}
		seen[d.Name] = true
	}
	if c.DefaultARP < 1 || c.DefaultARP > 15 {
		return errors.New("smf: DefaultARP must be 1..15")
	}
	for i, u := range c.UPFs {
		if u.Name == "" {
			return fmt.Errorf("smf: UPFs[%d].Name is empty", i)
		}
	}
	return nil
}
