package main

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"
)

func TestPreview(t *testing.T) {
	long := strings.Repeat("a", 40)
	tests := []struct {
		in   string
		want string
	}{
		{"", `""`},
		{"hello\n", `"hello\n"`},
		{"a\x00b", `"a\x00b"`},
		{long[:32], `"` + long[:32] + `"`},
		{long, `"` + long[:32] + `"...`},
	}
	for _, tt := range tests {
		if got := preview([]byte(tt.in)); got != tt.want {
			t.Errorf("preview(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func Example_preview() {
	fmt.Println(preview([]byte("hi\x00\n")))
	// Output: "hi\x00\n"
}

// TestSockaddr checks that the sockaddr built from a parsed command
// line names the same address and port.
func TestSockaddr(t *testing.T) {
	tests := []struct {
		ip, port string
		want     string // "" when the input must be refused
	}{
		{"127.0.0.1", "0", "127.0.0.1:0"},
		{"::1", "65535", "[::1]:65535"},
		{"127.0.0.1", "8080", "127.0.0.1:8080"},
	}
	for _, tt := range tests {
		ap, err := sockarg.ParseAddr(tt.ip, tt.port)
		if err != nil {
			t.Errorf("ParseAddr(%q, %q): %v", tt.ip, tt.port, err)
			continue
		}
		_, sa := sockaddr(ap.Addr(), int(ap.Port()))
		if got := addrPort(sa); got != tt.want {
			t.Errorf("sockaddr(%q, %q) = %s, want %s",
				tt.ip, tt.port, got, tt.want)
		}
	}
}

// TestEchoReset has a client reset its connection (SO_LINGER 0) after
// one message: echo must return the read error, not hang or call it
// a normal end.
func TestEchoReset(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		c.Write([]byte("x"))
		buf := make([]byte, 1)
		c.Read(buf) // the echo
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	f, err := conn.(*net.TCPConn).File() // a blocking duplicate
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- echo(fd) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(),
			"read: connection reset by peer") {
			t.Fatalf("echo returned %v, want a reset", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("echo did not return")
	}
}
