package tun

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// quietIPv6 turns the kernel's own IPv6 autoconfiguration off on the
// device before it comes up. A TUN's far end is a program, not a router:
// the UPF, or a simulated UE that sends its own Router Solicitations from
// the link-local address built from the interface identifier the SMF gave
// it. Left on, the kernel makes a random link-local address at link up
// and sends a Router Solicitation from it into the device, a packet
// neither end asked for (the UE would carry it uplink). Addresses the
// caller adds (a link-local fe80::IID included) still work.
//
// The sysctls live under /proc/sys/net, which shows the namespace of the
// thread that opens the file; open holds the thread that created the
// device. A kernel without IPv6 has no conf directory: nothing to quiet.
//
// Spec: TS 23.501 §5.8.2.2.1 (the UE's link-local address uses the
// interface identifier from the network); RFC 4862 §5.3, RFC 4861 §6.3.7
func (d *Device) quietIPv6(link netlink.Link) error {
	dir := "/proc/sys/net/ipv6/conf/" + d.name + "/"
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	for _, kv := range [...]struct{ key, val string }{
		{"accept_ra", "0"},            // learn nothing from advertisements
		{"router_solicitations", "0"}, // send none
		{"autoconf", "0"},             // no SLAAC addresses
	} {
		err := os.WriteFile(dir+kv.key, []byte(kv.val+"\n"), 0)
		if errors.Is(err, unix.EROFS) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			// A container with /proc/sys read-only: the address
			// generation mode below still keeps the kernel from
			// soliciting from an address of its own.
			break
		}
		if err != nil {
			return fmt.Errorf("tun: %s: sysctl net.ipv6.conf.%s.%s=%s: %w", d.name, d.name, kv.key, kv.val, err)
		}
	}
	// No kernel-made link-local address (IN6_ADDR_GEN_MODE_NONE): the
	// owner of the link picks its own. Netlink, so it works where
	// /proc/sys does not.
	if err := d.nl.LinkSetIP6AddrGenMode(link, 1); err != nil &&
		!errors.Is(err, unix.EAFNOSUPPORT) && !errors.Is(err, unix.EOPNOTSUPP) {
		return classify(fmt.Sprintf("tun: %s: IPv6 address generation mode none", d.name), err)
	}
	return nil
}
