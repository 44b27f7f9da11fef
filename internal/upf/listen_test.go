//go:build linux

package upf

import "testing"

func TestListenN3ReusePort(t *testing.T) {
	cs, err := ListenN3("127.0.0.1:0", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	if len(cs) != 2 || cs[0].LocalAddr() != cs[1].LocalAddr() {
		t.Fatalf("sockets on %v and %v, want one address", cs[0].LocalAddr(), cs[1].LocalAddr())
	}
}
