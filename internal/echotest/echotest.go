// Package echotest holds the tests that the two echo clients share:
// echo-client (raw syscalls) and net-echo-client (package net) must
// behave the same, so one set of tests runs against both.
package echotest

import (
	"bytes"
	"io"
	"math/rand"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Talk is a client's main loop: dial addr, send what it reads from in,
// write what comes back to out, until "quit", end of input or an error.
type Talk func(addr netip.AddrPort, in *os.File, out io.Writer) error

// Client runs the shared client tests against talk. errServerClosed is
// the error the client returns when the server closes first.
func Client(t *testing.T, talk Talk, errServerClosed error) {
	t.Run("ByteExact", func(t *testing.T) { byteExact(t, talk) })
	t.Run("ServerGoneWhileWaiting", func(t *testing.T) {
		serverGone(t, talk, errServerClosed)
	})
	t.Run("Quit", func(t *testing.T) { quit(t, talk) })
	t.Run("ServerReset", func(t *testing.T) { serverReset(t, talk) })
}

// listen starts a loopback listener and returns its address.
func listen(t *testing.T) (net.Listener, netip.AddrPort) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, netip.MustParseAddrPort(ln.Addr().String())
}

// run calls talk against addr with in as standard input and fails the
// test if it does not return within 10 seconds.
func run(t *testing.T, talk Talk, addr netip.AddrPort, in *os.File,
	out io.Writer) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- talk(addr, in, out) }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not return")
		return nil
	}
}

// byteExact echoes inputs that the source's client and server
// mangle: NUL bytes, a line longer than the 1 KiB buffer, 1 MiB of
// random bytes without a newline at the end.
func byteExact(t *testing.T, talk Talk) {
	big := make([]byte, 1<<20)
	rand.New(rand.NewSource(1)).Read(big)
	big = bytes.ReplaceAll(big, []byte("quit\n"), []byte("QUIT\n"))
	tests := map[string][]byte{
		"nul":  []byte("a\x00b\n\x00\x00\n"),
		"long": []byte(strings.Repeat("0123456789", 500) + "\n"),
		"1MiB": big,
	}
	for name, payload := range tests {
		t.Run(name, func(t *testing.T) {
			ln, addr := listen(t)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				io.Copy(c, c)
			}()
			in := filepath.Join(t.TempDir(), "in")
			if err := os.WriteFile(in, payload, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var out bytes.Buffer
			if err := run(t, talk, addr, f, &out); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), payload) {
				t.Errorf("got %d bytes back, want the %d sent",
					out.Len(), len(payload))
			}
		})
	}
}

// serverGone closes the connection while the client
// waits for input that never comes: the client must notice and stop.
func serverGone(t *testing.T, talk Talk, errServerClosed error) {
	ln, addr := listen(t)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
	}()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close() // held open: no input, no end of input
	err = run(t, talk, addr, r, io.Discard)
	if err != errServerClosed {
		t.Fatalf("got %v, want %v", err, errServerClosed)
	}
}

// quit stops at "quit": the line after it is never sent.
func quit(t *testing.T, talk Talk) {
	ln, addr := listen(t)
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		var seen bytes.Buffer
		io.Copy(io.MultiWriter(c, &seen), c)
		got <- seen.Bytes()
	}()
	in := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(in, []byte("one\nquit\ntwo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	if err := run(t, talk, addr, f, &out); err != nil {
		t.Fatal(err)
	}
	if s := <-got; string(s) != "one\n" || out.String() != "one\n" {
		t.Errorf("server saw %q, client printed %q; want %q",
			s, out.String(), "one\n")
	}
}

// serverReset resets the connection (SO_LINGER 0, then close)
// while the client waits for input: the client reports the reset.
func serverReset(t *testing.T, talk Talk) {
	ln, addr := listen(t)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	err = run(t, talk, addr, r, io.Discard)
	// The reset may even beat the end of a non-blocking connect
	// (net.Dial), so the message may come from connect or read.
	if err == nil || !strings.Contains(err.Error(),
		"connection reset by peer") {
		t.Fatalf("got %v, want a connection reset", err)
	}
}
