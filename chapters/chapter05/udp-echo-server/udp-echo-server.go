// Udp-echo-server is a UDP echo server mirrored step by step with the
// raw syscall API: socket, bind, then a loop of recvfrom and sendto.
// Every datagram is sent back, unchanged, to the address it came from.
//
// Usage:
//
//	udp-echo-server [-n N] <ip> <port>
//
// The ip is an IPv4 or IPv6 address (127.0.0.1, ::1); port 0 asks the
// kernel for any free port. The first line of standard output is
// "listening on <ip>:<port>" with the real port, although a UDP socket
// never calls listen(2): it is the line scripts wait for. The server
// echoes N datagrams, then exits; 0, the default, means forever.
// Bad arguments exit with status 2.
package main

import (
	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"

	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
)

// bufSize holds the largest datagram IPv4 can carry (65,507 bytes of
// data), so no datagram is ever cut short here. A smaller buffer
// would silently lose the end of larger datagrams: see udp-facts.
const bufSize = 65536

const usage = "usage: udp-echo-server [-n N] <ip> <port>"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "udp-echo-server: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("udp-echo-server", flag.ContinueOnError)
	// Errors are reported once, by main, so the flag package stays
	// quiet.
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 0, "echo `N` datagrams, then exit (0: forever)")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return &usageError{"want 2 arguments: <ip> <port>"}
	}
	if *n < 0 {
		return &usageError{"-n must be 0 or more"}
	}
	ap, err := sockarg.ParseAddr(fs.Arg(0), fs.Arg(1))
	if err != nil {
		return &usageError{err.Error()}
	}
	return serve(ap.Addr(), int(ap.Port()), *n)
}

// sockaddr fills in the struct sockaddr_in (or sockaddr_in6); the
// syscall package applies htons to the port itself.
func sockaddr(ip netip.Addr, port int) (int, syscall.Sockaddr) {
	if ip.Is4() {
		return syscall.AF_INET,
			&syscall.SockaddrInet4{Port: port, Addr: ip.As4()}
	}
	return syscall.AF_INET6,
		&syscall.SockaddrInet6{Port: port, Addr: ip.As16()}
}

// addrPort turns a kernel address back into text (inet_ntop, ntohs).
func addrPort(sa syscall.Sockaddr) string {
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		ip := netip.AddrFrom4(sa.Addr)
		return net.JoinHostPort(ip.String(), strconv.Itoa(sa.Port))
	case *syscall.SockaddrInet6:
		ip := netip.AddrFrom16(sa.Addr)
		return net.JoinHostPort(ip.String(), strconv.Itoa(sa.Port))
	}
	return "unknown address"
}

func serve(ip netip.Addr, port, limit int) error {
	family, sa := sockaddr(ip, port)

	// Step 1: socket(2). C: fd = socket(AF_INET, SOCK_DGRAM, 0)
	// SOCK_DGRAM: every send is one message, delivered whole or not
	// at all.
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	// Step 4: close(2). C: close(fd)
	defer syscall.Close(fd)

	// Step 2: bind(2). C: bind(fd, (struct sockaddr *)&addr, sizeof addr)
	// That is all the setting up there is: no listen, no accept.
	// From here on the kernel queues every datagram sent to the port.
	if err := syscall.Bind(fd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	local, err := syscall.Getsockname(fd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	fmt.Printf("listening on %s\n", addrPort(local))

	buf := make([]byte, bufSize)
	for echoed := 0; limit == 0 || echoed < limit; echoed++ {
		// Step 3a: recvfrom(2).
		// C: n = recvfrom(fd, buf, sizeof buf, 0,
		//                 (struct sockaddr *)&cli, &len)
		// One call returns one datagram, and the address of whoever
		// sent it: there is no connection to remember it for us.
		n, from, err := recvfrom(fd, buf)
		if err != nil {
			return os.NewSyscallError("recvfrom", err)
		}
		fmt.Printf("received %d bytes from %s: %s\n",
			n, addrPort(from), preview(buf[:n]))

		// Step 3b: sendto(2).
		// C: sendto(fd, buf, n, 0, (struct sockaddr *)&cli, len)
		// One call sends one datagram: all n bytes or an error,
		// never a part. An empty datagram (n = 0) is legal too.
		if err := syscall.Sendto(fd, buf[:n], 0, from); err != nil {
			// A client that has gone away is no reason to stop.
			fmt.Fprintf(os.Stderr, "udp-echo-server: %v\n",
				os.NewSyscallError("sendto", err))
		}
	}
	return nil
}

// recvfrom is recvfrom(2), tried again when a signal interrupted it.
func recvfrom(fd int, buf []byte) (int, syscall.Sockaddr, error) {
	for {
		n, from, err := syscall.Recvfrom(fd, buf, 0)
		if err != syscall.EINTR {
			return n, from, err
		}
	}
}

// previewMax is how many bytes of a datagram the server shows.
const previewMax = 32

// preview quotes b in Go syntax, so that NUL bytes and newlines show,
// and cuts it after previewMax bytes.
func preview(b []byte) string {
	if len(b) <= previewMax {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:previewMax])) + "..."
}
