package tun

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// batchReader is a Queue's ReadBatch state: the descriptor's RawConn and
// the callback given to it, bound once so that a call allocates nothing.
type batchReader struct {
	rc    syscall.RawConn
	bufs  [][]byte
	sizes []int
	n     int
	err   error
	readF func(fd uintptr) bool
}

func (r *batchReader) init(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	r.rc = rc
	r.readF = r.read
	return nil
}

// read runs on the poller's terms: false (nothing yet) makes RawConn wait
// for readability and call again; true ends the batch.
func (r *batchReader) read(fd uintptr) bool {
	for r.n < len(r.bufs) {
		n, err := unix.Read(int(fd), r.bufs[r.n])
		switch err {
		case nil:
			r.sizes[r.n] = n
			r.n++
			continue
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return r.n > 0
		}
		if r.n == 0 {
			r.err = err // packets already read go first; the error recurs
		}
		return true
	}
	return true
}

// ReadBatch reads up to len(bufs) packets, packet i into bufs[i] with its
// length in sizes[i] (len(sizes) >= len(bufs)), and returns how many. It
// blocks until one packet is there, then takes what else the queue
// already holds without waiting: one wake-up per burst rather than per
// packet, which lets the caller send the burst with one sendmmsg. Like
// Read, it allocates nothing, honours the read deadline and returns
// os.ErrClosed once the device is closed; one reader at a time.
func (q *Queue) ReadBatch(bufs [][]byte, sizes []int) (int, error) {
	if len(sizes) < len(bufs) {
		return 0, fmt.Errorf("tun: ReadBatch: %d sizes for %d buffers", len(sizes), len(bufs))
	}
	r := &q.batch
	r.bufs, r.sizes, r.n, r.err = bufs, sizes, 0, nil
	err := r.rc.Read(r.readF)
	n := r.n
	r.bufs, r.sizes = nil, nil
	switch {
	case err != nil && q.closed.Load():
		return 0, os.ErrClosed
	case err != nil:
		return 0, err
	case r.err != nil:
		return 0, os.NewSyscallError("read", r.err)
	}
	return n, nil
}
