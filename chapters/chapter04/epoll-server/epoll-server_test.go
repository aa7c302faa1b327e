package main

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

// startLoop runs the event loop on a fresh listener in a goroutine and
// returns its address and a function that stops it.
func startLoop(t *testing.T, sndbuf int) (string, func()) {
	t.Helper()
	ip := netip.MustParseAddr("127.0.0.1")
	lfd, err := listenNonblock(ip, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sndbuf > 0 {
		// Accepted sockets inherit the listener's buffer sizes.
		syscall.SetsockoptInt(lfd, syscall.SOL_SOCKET,
			syscall.SO_SNDBUF, sndbuf)
	}
	s, err := newServer(lfd)
	if err != nil {
		t.Fatal(err)
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := s.watch(syscall.EPOLL_CTL_ADD, p[0],
		syscall.EPOLLIN); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.loop(p[0]) }()
	stop := func() {
		syscall.Write(p[1], []byte{1})
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("loop: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("loop did not stop")
		}
		s.close()
		syscall.Close(lfd)
		syscall.Close(p[0])
		syscall.Close(p[1])
	}
	return sockName(lfd), stop
}

// TestEchoPartialWrites sends 1 MiB to a client whose receive buffer
// is tiny, through a server socket with a tiny send buffer, so the server's writes come up short and it must buffer
// and wait for EPOLLOUT. Every byte must come back in order.
func TestEchoPartialWrites(t *testing.T) {
	addr, stop := startLoop(t, 4096)
	defer stop()

	// The buffer is set before connect, so the window the client
	// announces in its SYN is small from the start.
	d := net.Dialer{Timeout: 5 * time.Second,
		Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) {
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET,
					syscall.SO_RCVBUF, 4096)
			})
		}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))

	msg := make([]byte, 1<<20)
	for i := range msg {
		msg[i] = byte(i*7 + i>>11)
	}
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		werr <- err
	}()
	got := make([]byte, len(msg))
	// Read in small pieces, slower than the server writes.
	for off := 0; off < len(got); {
		n, err := c.Read(got[off:min(off+1024, len(got))])
		if err != nil {
			t.Fatalf("read at %d: %v", off, err)
		}
		off += n
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("echo differs from what was sent")
	}
}

// TestEchoAfterReset: a client that resets its connection must not
// take the server down or disturb the next client.
func TestEchoAfterReset(t *testing.T) {
	addr, stop := startLoop(t, 0)
	defer stop()

	c1, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c1.Write([]byte("bye"))
	// SO_LINGER 0: close sends RST instead of FIN.
	c1.(*net.TCPConn).SetLinger(0)
	c1.Close()

	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		want := []byte("hello\x00\xff world\n")
		if _, err := c.Write(want); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(want))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		// EOF from us: the server must close its end too.
		c.(*net.TCPConn).CloseWrite()
		if n, err := c.Read(got); n != 0 || err != io.EOF {
			t.Fatalf("after our FIN: read %d, %v; want 0, EOF",
				n, err)
		}
		c.Close()
	}
}

func TestAddrString(t *testing.T) {
	tests := []struct {
		sa   syscall.Sockaddr
		want string
	}{
		{&syscall.SockaddrInet4{Port: 80,
			Addr: [4]byte{127, 0, 0, 1}}, "127.0.0.1:80"},
		{&syscall.SockaddrInet6{Port: 8080,
			Addr: netip.IPv6Loopback().As16()}, "[::1]:8080"},
		{&syscall.SockaddrUnix{Name: "/tmp/x"}, "?"},
	}
	for _, tt := range tests {
		if got := addrString(tt.sa); got != tt.want {
			t.Errorf("addrString(%v) = %q, want %q",
				tt.sa, got, tt.want)
		}
	}
}
