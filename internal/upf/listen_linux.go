//go:build linux

package upf

import (
	"context"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"

	"go5g/internal/n3"
)

// ListenN3 opens n UDP sockets bound to the same address with
// SO_REUSEPORT, one per worker: the kernel spreads datagrams over them by
// a hash of the source and destination (address, port), so the packets of
// one gNB tunnel path always reach the same worker and stay in order.
func ListenN3(addr string, n int) ([]*n3.Conn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	var out []*n3.Conn
	fail := func(err error) ([]*n3.Conn, error) {
		for _, c := range out {
			c.Close()
		}
		return nil, fmt.Errorf("upf: listen N3 %s: %w", addr, err)
	}
	for range n {
		pc, err := lc.ListenPacket(context.Background(), "udp", addr)
		if err != nil {
			return fail(err)
		}
		c, err := n3.NewConn(pc.(*net.UDPConn), 0, 0)
		if err != nil {
			pc.Close()
			return fail(err)
		}
		out = append(out, c)
		addr = c.LocalAddr().String() // port 0: the others join the first's port
	}
	return out, nil
}
