// Net-udp-echo-server is udp-echo-server written the idiomatic Go
// way, with the net package: net.ListenUDP, ReadFromUDPAddrPort and
// WriteToUDPAddrPort instead of the raw socket, bind, recvfrom and
// sendto.
//
// Usage:
//
//	net-udp-echo-server [-n N] <ip> <port>
//
// The command line, the output and the exit statuses are those of
// udp-echo-server: the first line of standard output is
// "listening on <ip>:<port>", -n N echoes N datagrams and exits (0,
// the default: forever), and bad arguments exit with status 2.
package main

import (
	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"

	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
)

const usage = "usage: net-udp-echo-server [-n N] <ip> <port>"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "net-udp-echo-server: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("net-udp-echo-server", flag.ContinueOnError)
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

	// region serve
	// socket and bind in one call. The network "udp4" or "udp6"
	// follows the address, as AF_INET or AF_INET6 does in C.
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Printf("listening on %s\n", conn.LocalAddr())

	buf := make([]byte, 65536)
	for echoed := 0; *n == 0 || echoed < *n; echoed++ {
		// recvfrom: one datagram and its sender. A Read would drop
		// the sender's address, and with it the way back.
		m, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return err
		}
		fmt.Printf("received %d bytes from %s: %s\n",
			m, from, preview(buf[:m]))
		// sendto: the whole datagram, or an error.
		if _, err := conn.WriteToUDPAddrPort(buf[:m], from); err != nil {
			fmt.Fprintf(os.Stderr, "net-udp-echo-server: %v\n", err)
		}
	}
	// endregion serve
	return nil
}

// preview quotes b in Go syntax and cuts it after 32 bytes.
func preview(b []byte) string {
	if len(b) <= 32 {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:32])) + "..."
}
