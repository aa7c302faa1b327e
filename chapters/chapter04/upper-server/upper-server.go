// Upper-server is the source notes' last server, mirrored step by step
// with the raw syscall API: it sends back in capitals what a client
// sends, with recv(2) and send(2) instead of read and write.
//
// Usage:
//
//	upper-server [-n N] <ip> <port>
//
// The ip is an IPv4 or IPv6 address; 0.0.0.0 or :: is the wildcard
// (INADDR_ANY, in6addr_any), as in the source. Port 0 asks the kernel
// for any free port. The first line of standard output is
// "listening on <ip>:<port>". It serves N clients one after another
// (default 1, 0: for ever). Bad arguments exit with status 2.
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

const usage = "usage: upper-server [-n N] <ip> <port>"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "upper-server: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("upper-server", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // main reports errors, once
	n := fs.Int("n", 1, "serve `N` clients one after another (0: for ever)")
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

func serve(ip netip.Addr, port, clients int) error {
	// The source fills in server_addr.sin_addr.s_addr = INADDR_ANY:
	// 0.0.0.0, every address of the host. The ip argument is that
	// address here, 127.0.0.1 in the notes (17-wildcard-bind shows
	// what the wildcard accepts).
	family := syscall.AF_INET6
	var sa syscall.Sockaddr = &syscall.SockaddrInet6{Port: port,
		Addr: ip.As16()}
	if ip.Is4() {
		family = syscall.AF_INET
		sa = &syscall.SockaddrInet4{Port: port, Addr: ip.As4()}
	}

	// Step 1: socket(2). C: lfd = socket(AF_INET, SOCK_STREAM, 0)
	lfd, err := syscall.Socket(family, syscall.SOCK_STREAM, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(lfd)

	// Step 2: setsockopt(2), before bind.
	// C: setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
	// The source sets SO_REUSEPORT here to restart over TIME_WAIT;
	// SO_REUSEADDR is the option for that (15-port-reuse).
	err = syscall.SetsockoptInt(lfd, syscall.SOL_SOCKET,
		syscall.SO_REUSEADDR, 1)
	if err != nil {
		return os.NewSyscallError("setsockopt", err)
	}

	// Step 3: bind(2). C: bind(lfd, (struct sockaddr *)&addr, sizeof addr)
	if err := syscall.Bind(lfd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	// Step 4: listen(2). C: listen(lfd, 8)
	if err := syscall.Listen(lfd, 8); err != nil {
		return os.NewSyscallError("listen", err)
	}
	local, err := syscall.Getsockname(lfd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	fmt.Printf("listening on %s\n", addrPort(local))

	for served := 0; clients == 0 || served < clients; served++ {
		// Step 5: accept(2). C: cfd = accept(lfd, &caddr, &len)
		cfd, peer, err := syscall.Accept(lfd)
		if err == syscall.EINTR || err == syscall.ECONNABORTED {
			served--
			continue
		}
		if err != nil {
			return os.NewSyscallError("accept", err)
		}
		fmt.Printf("client connected from %s\n", addrPort(peer))
		if err := upper(cfd); err != nil {
			fmt.Fprintf(os.Stderr, "upper-server: client: %v\n", err)
		}
	}
	return nil
}

// region upper
// upper serves one client: recv, capitals, send, until end of stream.
func upper(cfd int) error {
	// Step 8: close(2). C: close(cfd)
	defer syscall.Close(cfd)
	buf := make([]byte, 1024)
	for {
		// Step 6: recv(2). C: len = recv(cfd, buf, sizeof buf, 0)
		// recv is read with a flags argument; with 0 it is read.
		n, _, err := syscall.Recvfrom(cfd, buf, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("recv", err)
		}
		if n == 0 {
			fmt.Println("client closed the connection")
			return nil
		}
		fmt.Printf("received %d bytes: %s\n", n, preview(buf[:n]))
		// C: for (i = 0; i < len; i++) buf[i] = toupper(buf[i])
		for i := 0; i < n; i++ {
			if 'a' <= buf[i] && buf[i] <= 'z' {
				buf[i] -= 'a' - 'A'
			}
		}
		// Step 7: send(2). C: send(cfd, buf, len, MSG_NOSIGNAL)
		// n bytes, not strlen(buf) + 1 as in the source, which
		// sends a NUL the client never asked for and loses
		// everything after a NUL the client sent.
		if err := sendAll(cfd, buf[:n]); err != nil {
			return err
		}
		fmt.Printf("sent back %d bytes: %s\n", n, preview(buf[:n]))
	}
}

// sendAll sends all of b: send(2), like write, may take less than
// asked. MSG_NOSIGNAL turns the SIGPIPE of a reset connection into the
// error EPIPE (18-send-recv).
func sendAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.SendmsgN(fd, b, nil, nil,
			syscall.MSG_NOSIGNAL)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("send", err)
		}
		b = b[n:]
	}
	return nil
}

// endregion upper

// preview quotes b for the log, NUL bytes and newlines visible, and
// cuts it after 32 bytes.
func preview(b []byte) string {
	if len(b) <= 32 {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:32])) + "..."
}

// addrPort turns a kernel address into text, as inet_ntop and ntohs.
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
