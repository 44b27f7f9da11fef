package tun

import (
	"errors"
	"strings"
	"testing"
)

// A host without the TUN driver gets the error the core prints as
// "user plane off: <why>".
func TestMissingCloneDevice(t *testing.T) {
	_, err := open("/nonexistent/net/tun", Config{})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "/nonexistent/net/tun") {
		t.Fatalf("open without a clone device: %v, want ErrUnavailable naming the path", err)
	}
}
