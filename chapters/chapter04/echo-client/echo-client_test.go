package main

import (
	"io"
	"net/netip"
	"os"
	"testing"

	"github.com/tcpnotebook/tcpnotebook/internal/echotest"
)

// TestClient runs the tests both echo clients share: byte-exact echo
// (NUL bytes, a long line, 1 MiB), the server gone or reset while the
// client waits for input, and "quit".
func TestClient(t *testing.T) {
	echotest.Client(t, func(addr netip.AddrPort, in *os.File, out io.Writer) error {
		return dialAndTalk(addr.Addr(), int(addr.Port()), in, out)
	}, errServerClosed)
}
