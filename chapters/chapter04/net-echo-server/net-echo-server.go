// Net-echo-server is echo-server written the idiomatic Go way, with
// the net package: net.Listen, Accept and io.Copy instead of the raw
// socket, bind, listen, accept, read and write.
//
// Usage:
//
//	net-echo-server [-n N] <ip> <port>
//
// The command line, the output and the exit statuses are those of
// echo-server: the first line of standard output is
// "listening on <ip>:<port>", -n N serves N clients one after another
// (1 by default, 0 for ever) and bad arguments exit with status 2.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
)

const usage = "usage: net-echo-server [-n N] <ip> <port>"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "net-echo-server: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("net-echo-server", flag.ContinueOnError)
	// Errors are reported once, by main, so the flag package stays
	// quiet.
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 1, "serve `N` clients one after another (0: forever)")
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
	// net.Listen would accept a host name or an empty host too; the
	// lesson wants exactly an IP address and a port, as echo-server.
	ip, err := netip.ParseAddr(fs.Arg(0))
	if err != nil || ip.Zone() != "" {
		return &usageError{
			fmt.Sprintf("invalid ip address %q", fs.Arg(0))}
	}
	port, err := strconv.ParseUint(fs.Arg(1), 10, 16)
	if err != nil {
		return &usageError{fmt.Sprintf(
			"invalid port %q (want 0-65535)", fs.Arg(1))}
	}
	return serve(netip.AddrPortFrom(ip, uint16(port)), *n)
}

func serve(addr netip.AddrPort, clients int) error {
	// socket, bind and listen in one call. net also sets
	// SO_REUSEADDR, SOCK_NONBLOCK and SOCK_CLOEXEC on the way.
	ln, err := net.Listen("tcp", addr.String())
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Printf("listening on %s\n", ln.Addr())

	for served := 0; clients == 0 || served < clients; served++ {
		// accept: the goroutine sleeps on the runtime's poller
		// (epoll) while the socket itself is non-blocking.
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		fmt.Printf("client connected from %s\n", conn.RemoteAddr())
		if err := echo(conn); err != nil {
			// One client going wrong does not stop the server.
			fmt.Fprintf(os.Stderr,
				"net-echo-server: client: %v\n", err)
		}
	}
	return nil
}

// echo serves one connection and closes it.
func echo(conn net.Conn) error {
	defer conn.Close()
	// io.Copy is the whole read/write loop: it reads until end of
	// stream (read returning 0 becomes io.EOF, which Copy treats
	// as success) and completes every partial write. The tee shows
	// each piece as it passes.
	if _, err := io.Copy(conn, io.TeeReader(conn, logger{})); err != nil {
		return err
	}
	fmt.Println("client closed the connection")
	return nil
}

// logger prints each piece of data written to it, as echo-server does.
type logger struct{}

func (logger) Write(b []byte) (int, error) {
	fmt.Printf("received %d bytes: %s\n", len(b), preview(b))
	return len(b), nil
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
