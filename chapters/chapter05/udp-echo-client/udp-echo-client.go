// Udp-echo-client is a UDP echo client mirrored step by step with the
// raw syscall API: socket, then for every line a sendto and a
// recvfrom.
//
// Usage:
//
//	udp-echo-client [-wait D] <ip> <port>
//
// It reads standard input a line at a time and sends each line,
// without its newline, as one datagram; it prints each datagram that
// comes back on a line of its own. A line "quit" or the end of input
// ends it. UDP may lose a datagram, so the client waits at most D
// (1s by default) for each reply and then gives up with status 1.
// Replies from any address other than the server's are ignored.
// Status messages go to standard error. Bad arguments exit with
// status 2.
package main

import (
	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"

	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// bufSize holds the largest datagram IPv4 can carry.
const bufSize = 65536

const usage = "usage: udp-echo-client [-wait D] <ip> <port>"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "udp-echo-client: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("udp-echo-client", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	wait := fs.Duration("wait", time.Second,
		"wait at most `D` for each reply")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return &usageError{"want 2 arguments: <ip> <port>"}
	}
	if *wait < time.Millisecond {
		return &usageError{"-wait must be 1ms or more"}
	}
	ap, err := sockarg.ParseAddr(fs.Arg(0), fs.Arg(1))
	if err != nil {
		return &usageError{err.Error()}
	}
	return talk(ap, *wait, os.Stdin, os.Stdout)
}

// sockaddr fills in the struct sockaddr_in (or sockaddr_in6).
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

func talk(server netip.AddrPort, wait time.Duration, in io.Reader,
	out io.Writer) error {
	family, to := sockaddr(server.Addr(), int(server.Port()))

	// Step 1: socket(2). C: fd = socket(AF_INET, SOCK_DGRAM, 0)
	// No bind: the first sendto gives the socket an ephemeral port.
	// No connect: nothing is sent before the first datagram.
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	// Step 4: close(2). C: close(fd)
	defer syscall.Close(fd)

	// Not in most C examples. C: setsockopt(fd, SOL_SOCKET,
	// SO_RCVTIMEO, &tv, sizeof tv)
	// A lost datagram is never resent: without a time limit a
	// recvfrom for its reply would block for ever.
	tv := syscall.NsecToTimeval(wait.Nanoseconds())
	err = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET,
		syscall.SO_RCVTIMEO, &tv)
	if err != nil {
		return os.NewSyscallError("setsockopt", err)
	}

	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, bufSize), bufSize)
	buf := make([]byte, bufSize)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "quit" {
			return nil
		}
		// Step 2: sendto(2).
		// C: sendto(fd, line, len, 0, (struct sockaddr *)&srv, sizeof srv)
		// Success means the datagram left this socket, not that
		// anybody received it.
		if err := syscall.Sendto(fd, []byte(line), 0, to); err != nil {
			return os.NewSyscallError("sendto", err)
		}
		n, err := reply(fd, buf, server, wait)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s\n", buf[:n])
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read standard input: %w", err)
	}
	return nil
}

// reply waits for the server's answer and returns its length.
func reply(fd int, buf []byte, server netip.AddrPort,
	wait time.Duration) (int, error) {
	for {
		// Step 3: recvfrom(2).
		// C: n = recvfrom(fd, buf, sizeof buf, 0,
		//                 (struct sockaddr *)&from, &len)
		n, from, err := syscall.Recvfrom(fd, buf, 0)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			// SO_RCVTIMEO ran out. The request or the reply was
			// lost, or nobody is there: UDP cannot tell which.
			return 0, fmt.Errorf("no reply from %s within %v",
				server, wait)
		}
		if err != nil {
			return 0, os.NewSyscallError("recvfrom", err)
		}
		// Anyone may send to our port. The source address is the
		// only thing that tells the server's reply from others.
		if addrPort(from) != server.String() {
			fmt.Fprintf(os.Stderr, "ignored %d bytes from %s\n",
				n, addrPort(from))
			continue
		}
		return n, nil
	}
}
