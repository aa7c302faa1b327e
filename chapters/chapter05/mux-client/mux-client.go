// mux-client opens several connections to an echo server at once and
// sends its input lines over them in turn, so that every connection
// stays open while the others are served.
//
// Usage:
//
//	mux-client [-c N] <ip> <port>
//
// Line i of standard input goes over connection i mod N (numbered
// from 1, default N = 3); the client waits for the echo before it
// sends the next line and prints "conn K: LINE" for each. At the end
// of input it closes the connections in order. Bad arguments exit
// with status 2; a refused connection or a short echo exits 1.
package main

import (
	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"

	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

const usage = "usage: mux-client [-c N] <ip> <port>"

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "mux-client: error: %v\n", err)
		// A pointer type assertion: errors.As does not see
		// interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("mux-client", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("c", 3, "`N` connections")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return &usageError{"want 2 arguments: <ip> <port>"}
	}
	if *n < 1 || *n > 100 {
		return &usageError{"-c must be from 1 to 100"}
	}
	ap, err := sockarg.ParseAddr(fs.Arg(0), fs.Arg(1))
	if err != nil {
		return &usageError{err.Error()}
	}
	conns := make([]net.Conn, 0, *n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < *n; i++ {
		c, err := net.DialTimeout("tcp", ap.String(), 5*time.Second)
		if err != nil {
			return err
		}
		conns = append(conns, c)
	}
	fmt.Printf("%d connections to %s\n", *n, ap)
	in := bufio.NewScanner(os.Stdin)
	for i := 0; in.Scan(); i++ {
		line := in.Text() + "\n"
		c := conns[i%*n]
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, line); err != nil {
			return err
		}
		got := make([]byte, len(line))
		if _, err := io.ReadFull(c, got); err != nil {
			return fmt.Errorf("conn %d: echo: %w", i%*n+1, err)
		}
		fmt.Printf("conn %d: %s\n", i%*n+1,
			strings.TrimSuffix(string(got), "\n"))
	}
	if err := in.Err(); err != nil {
		return err
	}
	for i, c := range conns {
		c.Close()
		fmt.Printf("conn %d closed\n", i+1)
	}
	conns = nil
	return nil
}
