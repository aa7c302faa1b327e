// Net-echo-client is echo-client written the idiomatic Go way, with
// the net package: net.Dial, io.Copy in a goroutine, and channels with
// a select statement instead of socket, connect, write, read and
// select(2).
//
// Usage:
//
//	net-echo-client <ip> <port>
//
// The command line, the output and the exit statuses are those of
// echo-client: lines from standard input go to the server, what comes
// back goes to standard output byte for byte, "quit" or the end of
// input ends it, status messages go to standard error, bad arguments
// exit with status 2 and a server that goes away exits 1.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync/atomic"
)

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errServerClosed reports that the server ended the connection while
// the client still expected it to answer.
var errServerClosed = errors.New("server closed the connection")

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "net-echo-client: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 2 {
		return &usageError{"want 2 arguments: <ip> <port>"}
	}
	ip, err := netip.ParseAddr(args[0])
	if err != nil || ip.Zone() != "" {
		return &usageError{
			fmt.Sprintf("invalid ip address %q", args[0])}
	}
	port, err := strconv.ParseUint(args[1], 10, 16)
	if err != nil {
		return &usageError{fmt.Sprintf(
			"invalid port %q (want 0-65535)", args[1])}
	}
	addr := netip.AddrPortFrom(ip, uint16(port))
	return dialAndTalk(addr.String(), os.Stdin, os.Stdout)
}

func dialAndTalk(addr string, in io.Reader, out io.Writer) error {
	// socket and connect in one call.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	// close(fd): the server's read then returns 0, end of stream.
	defer conn.Close()
	fmt.Fprintf(os.Stderr, "connected to %s\n", conn.RemoteAddr())

	// One goroutine copies whatever the server sends to out, and
	// tells when the server has closed its side (err == nil) or
	// reset the connection. Because it reads all the time, neither
	// side's buffers can fill up, however long a line is.
	rcv := &receiver{out: out, more: make(chan struct{}, 1)}
	gone := make(chan error, 1)
	go func() {
		_, err := io.Copy(rcv, conn)
		gone <- err
	}()

	// Another goroutine reads standard input, so that the loop below
	// can wait for a line and for the server at the same time: the
	// select statement does what select(2) does in echo-client.
	lines := make(chan string)
	go readLines(in, lines)

	var sent int64
	for {
		select {
		case err := <-gone:
			return serverGone(err)
		case line, ok := <-lines:
			if !ok || line == "quit\n" || line == "quit" {
				return nil
			}
			// conn.Write completes partial writes itself.
			if _, err := io.WriteString(conn, line); err != nil {
				return err
			}
			sent += int64(len(line))
			// Wait for the whole echo before the next line, as
			// echo-client does, so the two print the same.
			for rcv.total() < sent {
				select {
				case <-rcv.more:
				case err := <-gone:
					if rcv.total() < sent {
						return serverGone(err)
					}
					// Put it back for the outer loop.
					gone <- err
				}
			}
		}
	}
}

// serverGone turns the receiver's result into the client's error.
func serverGone(err error) error {
	if err == nil {
		return errServerClosed
	}
	return err
}

// receiver is an io.Writer that passes data on to out and counts it.
// After each write it signals on more, without ever blocking.
type receiver struct {
	out  io.Writer
	n    int64 // bytes received, read and written atomically
	more chan struct{}
}

func (r *receiver) Write(b []byte) (int, error) {
	n, err := r.out.Write(b)
	atomic.AddInt64(&r.n, int64(n))
	select {
	case r.more <- struct{}{}:
	default: // a signal is already pending
	}
	return n, err
}

func (r *receiver) total() int64 { return atomic.LoadInt64(&r.n) }

// readLines sends in to lines a line at a time and closes lines at
// the end of input. A read error also ends the input.
func readLines(in io.Reader, lines chan<- string) {
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadString('\n')
		if len(line) > 0 {
			lines <- line
		}
		if err != nil {
			close(lines)
			return
		}
	}
}
