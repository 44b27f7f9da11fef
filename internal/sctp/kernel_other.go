//go:build !linux

package sctp

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
)

// KernelAvailable reports that kernel SCTP is not supported: go5g drives
// kernel SCTP sockets on Linux only.
func KernelAvailable() error {
	return fmt.Errorf("%w: kernel SCTP sockets are supported on linux only, not %s", ErrNoKernelSCTP, runtime.GOOS)
}

// ListenKernel returns an error wrapping ErrNoKernelSCTP off Linux.
func ListenKernel(addr netip.AddrPort, cfg Config) (Listener, error) {
	return nil, KernelAvailable()
}

// DialKernel returns an error wrapping ErrNoKernelSCTP off Linux.
func DialKernel(ctx context.Context, raddr netip.AddrPort, cfg Config) (Conn, error) {
	return nil, KernelAvailable()
}

func dialKernel(ctx context.Context, laddr, raddr netip.AddrPort, cfg Config) (Conn, error) {
	return nil, KernelAvailable()
}
