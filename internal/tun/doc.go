// Package tun opens Linux TUN devices for the user plane: the UPF's N6
// interface towards the data network and the simulated UE's one device per
// PDU session, through which ping, curl or iperf3 send real IP traffic.
//
// A Device is a layer-3 TUN (IFF_TUN|IFF_NO_PI): every Read returns one whole
// IPv4 or IPv6 packet and every Write injects one, with no packet-information
// prefix. The caller owns the buffers, so reading and writing allocate
// nothing per packet. With Config.Queues > 1 the device is multi-queue
// (IFF_MULTI_QUEUE): the kernel spreads flows over the queues and each worker
// goroutine reads and writes its own queue, which is how reads scale across
// cores. A TUN read(2) returns one packet (no cheaper batching without
// virtio-net headers; see below), but Queue.ReadBatch takes a burst per
// wake-up: one blocking read, then what the queue already holds, so the
// UPF sends the burst with one sendmmsg.
//
// IPv6 autoconfiguration is off on every device (before link up): no
// kernel-made link-local address, no Router Solicitations, nothing learnt
// from Router Advertisements. The program at the other end of a TUN is
// the router or the host (the UPF; the simulated UE, which uses the
// interface identifier the SMF gave it), so the kernel has nothing to
// solicit, and a stray RS would travel the user plane.
//
// The device is configured with rtnetlink through
// github.com/vishvananda/netlink: MTU, IPv4/IPv6 addresses, routes, link up.
// The netlink handle is opened in the network namespace the device was
// created in, so a Device opened inside a namespace (package netns) keeps
// configuring that namespace from any goroutine. Close closes every queue;
// the device is not persistent, so the kernel removes it with its addresses
// and routes.
//
// Without CAP_NET_ADMIN or without /dev/net/tun, Open and Probe return an
// error wrapping ErrUnavailable, whose text says what the user plane needs, so
// the core can report "user plane off: <why>" and keep serving signalling.
//
// Why not golang.zx2c4.com/wireguard/tun: its value is the virtio-net header
// path (IFF_VNET_HDR with TSO/USO and GRO coalescing) that turns many packets
// into one read or write. That pays off for TCP bulk traffic, but it brings
// a module we do not otherwise need, and the UPF would then have to split
// and build GSO super-packets around GTP-U encapsulation. The ioctl itself is
// a few lines; owning it keeps the API to plain packets and caller buffers,
// adds multi-queue, and keeps the privilege errors ours. If offloads become
// the bottleneck, the place to add them is here, behind the same API.
package tun
