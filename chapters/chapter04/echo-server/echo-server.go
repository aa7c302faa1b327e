// Echo-server is the source notes' echo server, mirrored step by step
// with the raw syscall API: socket, bind, listen, accept, read, write,
// close. Every byte a client sends is written back to it unchanged.
//
// Usage:
//
//	echo-server [-n N] [-nagle] <ip> <port>
//
// The ip is an IPv4 or IPv6 address (127.0.0.1, ::1); port 0 asks the
// kernel for any free port. The first line of standard output is
// "listening on <ip>:<port>" with the real port (IPv6 in brackets).
// The server serves N clients one after another, then exits; N is 1
// by default, and 0 means forever. -nagle leaves Nagle's algorithm on,
// as the source's server does, to measure what TCP_NODELAY changes.
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

// bufSize is the size of the read buffer, as in the source (1024).
// A message longer than that simply takes several reads.
const bufSize = 1024

// backlog is the listen(2) queue length used by the source.
const backlog = 8

const usage = "usage: echo-server [-n N] [-nagle] <ip> <port>"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "echo-server: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("echo-server", flag.ContinueOnError)
	// Errors are reported once, by main, so the flag package stays
	// quiet.
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 1, "serve `N` clients one after another (0: forever)")
	nagle := fs.Bool("nagle", false, "leave Nagle's algorithm on")
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
	ip, port := ap.Addr(), int(ap.Port())
	return serve(ip, port, *n, *nagle)
}

// sockaddr builds the socket address for ip and port: the Go form of
// filling in a struct sockaddr_in (or sockaddr_in6). The syscall
// package converts Port to network byte order itself (the htons).
func sockaddr(ip netip.Addr, port int) (int, syscall.Sockaddr) {
	if ip.Is4() {
		return syscall.AF_INET,
			&syscall.SockaddrInet4{Port: port, Addr: ip.As4()}
	}
	return syscall.AF_INET6,
		&syscall.SockaddrInet6{Port: port, Addr: ip.As16()}
}

// addrPort turns a kernel address back into text: the inet_ntop and
// ntohs of the source, done by the syscall and netip packages.
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

func serve(ip netip.Addr, port, clients int, nagle bool) error {
	family, sa := sockaddr(ip, port)

	// Step 1: socket(2). C: socket(AF_INET, SOCK_STREAM, 0)
	// The result is a file descriptor, nothing more yet.
	lfd, err := syscall.Socket(family, syscall.SOCK_STREAM, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(lfd)

	// Step 2: bind(2). C: bind(lfd, (struct sockaddr *)&addr, sizeof addr)
	// Port 0 lets the kernel pick a free port at this point.
	if err := syscall.Bind(lfd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}

	// Step 3: listen(2). C: listen(lfd, 8)
	// From now on the kernel completes handshakes on its own and
	// queues the connections until accept takes them.
	if err := syscall.Listen(lfd, backlog); err != nil {
		return os.NewSyscallError("listen", err)
	}

	// getsockname(2) tells us which port the kernel chose. Scripts
	// wait for this line before they start a client.
	local, err := syscall.Getsockname(lfd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	fmt.Printf("listening on %s\n", addrPort(local))

	for served := 0; clients == 0 || served < clients; served++ {
		// Step 4: accept(2). C: cfd = accept(lfd, &caddr, &len)
		// It blocks until a client has connected, then returns a
		// new descriptor for that one connection.
		cfd, peer, err := acceptOne(lfd)
		if err != nil {
			return os.NewSyscallError("accept", err)
		}
		fmt.Printf("client connected from %s\n", addrPort(peer))

		// Not in the source. C: setsockopt(cfd, IPPROTO_TCP,
		// TCP_NODELAY, &one, sizeof one)
		// Turn off Nagle's algorithm, as Go's net package does for
		// every connection: a message echoed in several small
		// writes would otherwise wait for the client's delayed ACK
		// (about 40 ms) after each of them.
		if !nagle {
			err = syscall.SetsockoptInt(cfd, syscall.IPPROTO_TCP,
				syscall.TCP_NODELAY, 1)
			if err != nil {
				syscall.Close(cfd)
				return os.NewSyscallError("setsockopt", err)
			}
		}
		if err := echo(cfd); err != nil {
			// One client going wrong does not stop the server.
			fmt.Fprintf(os.Stderr, "echo-server: client: %v\n", err)
		}
	}
	return nil
}

// acceptOne is accept(2), tried again when a signal interrupted it
// (EINTR) or when the connection was reset while it waited in the
// queue (ECONNABORTED): neither is a reason to stop the server.
func acceptOne(lfd int) (int, syscall.Sockaddr, error) {
	for {
		cfd, peer, err := syscall.Accept(lfd)
		if err == syscall.EINTR || err == syscall.ECONNABORTED {
			continue
		}
		return cfd, peer, err
	}
}

// echo serves one connection and closes it.
func echo(cfd int) error {
	// Step 6: close(2). C: close(cfd)
	defer syscall.Close(cfd)

	buf := make([]byte, bufSize)
	for {
		// Step 5a: read(2). C: len = read(cfd, buf, sizeof buf)
		// n counts bytes; the data may hold NUL bytes, so it is
		// never measured with strlen as the source does.
		n, err := syscall.Read(cfd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if n == 0 {
			// read returns 0 only at end of stream: the client
			// closed its side and nothing more will come.
			fmt.Println("client closed the connection")
			return nil
		}
		fmt.Printf("received %d bytes: %s\n", n, preview(buf[:n]))

		// Step 5b: write(2). C: write(cfd, buf, len)
		if err := writeAll(cfd, buf[:n]); err != nil {
			return err
		}
	}
}

// writeAll writes all of b. write(2) may write less than asked (a
// partial write); the source ignores its result, this loop finishes
// the job. Writing to a closed peer gives EPIPE here: the Go runtime
// does not let SIGPIPE kill the process for a socket.
func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("write", err)
		}
		b = b[n:]
	}
	return nil
}

// previewMax is how many bytes of a message the server shows.
const previewMax = 32

// preview quotes b for the log, in Go syntax so that NUL bytes and
// newlines are visible, and cuts it after previewMax bytes.
func preview(b []byte) string {
	if len(b) <= previewMax {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:previewMax])) + "..."
}
