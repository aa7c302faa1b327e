// Multi-client opens several connections to an echo server and checks
// that every echo comes back byte-exact. It exercises the concurrent
// servers of this chapter (mp-server, mt-server).
//
// Usage:
//
//	multi-client [-c N] [-seq | -v [-nowait] | -reset] <ip> <port>
//
// Standard input holds the lines to send ("hello" when it is empty).
// Connection i (from 1) sends each line as "i: line\n", reads the echo,
// then half-closes and waits for the server to close in turn.
//
// By default the N connections are opened at once: all of them connect
// first, then all of them talk. -seq opens them one after another. -v
// prints a transcript; its steps go in lockstep (connection 1, then 2,
// ...) so that the server's log comes out in a fixed order; with
// -nowait its connections close without waiting for the server to
// close too. -reset makes every connection send half a line and then
// reset (RST).
package main

import (
	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"

	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxConns bounds -c: every connection holds a descriptor here and a
// goroutine or a process in the server.
const maxConns = 20000

// ioTimeout bounds every connection; nothing here may hang forever.
const ioTimeout = 20 * time.Second

const usage = "usage: multi-client [-c N] " +
	"[-seq | -v [-nowait] | -reset] <ip> <port>"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "multi-client: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("multi-client", flag.ContinueOnError)
	// Errors are reported once, by main, so the flag package stays
	// quiet.
	fs.SetOutput(io.Discard)
	n := fs.Int("c", 1, "open `N` connections")
	seq := fs.Bool("seq", false, "one connection after another")
	verbose := fs.Bool("v", false, "print a transcript (lockstep)")
	reset := fs.Bool("reset", false, "send half a line, then reset")
	nowait := fs.Bool("nowait", false, "-v: do not wait for the "+
		"server's end of stream")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return &usageError{"want 2 arguments: <ip> <port>"}
	}
	if *n < 1 || *n > maxConns {
		return &usageError{fmt.Sprintf("-c must be 1-%d", maxConns)}
	}
	modes := 0
	for _, on := range []bool{*seq, *verbose, *reset} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		return &usageError{"-seq, -v and -reset exclude each other"}
	}
	if *nowait && !*verbose {
		return &usageError{"-nowait goes with -v"}
	}
	ap, err := sockarg.ParseAddr(fs.Arg(0), fs.Arg(1))
	if err != nil {
		return &usageError{err.Error()}
	}
	addr := ap.String()
	lines, err := readLines(os.Stdin)
	if err != nil {
		return err
	}
	switch {
	case *verbose:
		return lockstep(addr, *n, lines, !*nowait)
	case *seq:
		return sequential(addr, *n, lines)
	case *reset:
		return resets(addr, *n, lines[0])
	}
	return together(addr, *n, lines)
}

// readLines reads the lines to send. An empty input means "hello".
func readLines(r io.Reader) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	if len(lines) == 0 {
		lines = []string{"hello"}
	}
	return lines, nil
}

// message is what connection id sends for line: "id: line\n". The
// prefix lets a reader of the server's log tell the clients apart.
func message(id int, line string) string {
	return strconv.Itoa(id) + ": " + line + "\n"
}

// conn is one client connection.
type conn struct {
	id int
	c  *net.TCPConn
}

func dial(addr string, id int) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return nil, fmt.Errorf("conn %d: %w", id, err)
	}
	tc := c.(*net.TCPConn)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	return &conn{id: id, c: tc}, nil
}

// exchange sends one line and checks that exactly the same bytes come
// back. A stream has no message boundaries: the echo may arrive in
// pieces, so it is read with io.ReadFull, never with a single Read.
func (c *conn) exchange(line string) (string, error) {
	msg := message(c.id, line)
	if _, err := io.WriteString(c.c, msg); err != nil {
		return "", fmt.Errorf("conn %d: write: %w", c.id, err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c.c, got); err != nil {
		return "", fmt.Errorf("conn %d: read echo: %w", c.id, err)
	}
	if string(got) != msg {
		return "", fmt.Errorf("conn %d: sent %q, echo %q",
			c.id, msg, got)
	}
	return msg, nil
}

// finish half-closes (shutdown SHUT_WR: "no more data from me") and
// waits for the server's end of stream, so that the server has seen
// the end of this client before finish returns.
func (c *conn) finish() error {
	defer c.c.Close()
	if err := c.c.CloseWrite(); err != nil {
		return fmt.Errorf("conn %d: shutdown: %w", c.id, err)
	}
	rest, err := io.ReadAll(c.c)
	if err != nil {
		return fmt.Errorf("conn %d: wait for close: %w", c.id, err)
	}
	if len(rest) > 0 {
		return fmt.Errorf("conn %d: %d unexpected bytes %q",
			c.id, len(rest), rest)
	}
	return nil
}

// talk is the whole life of one connection.
func talk(addr string, id int, lines []string) error {
	c, err := dial(addr, id)
	if err != nil {
		return err
	}
	for _, line := range lines {
		if _, err := c.exchange(line); err != nil {
			c.c.Close()
			return err
		}
	}
	return c.finish()
}

// together opens all n connections at once: every one connects, a
// barrier waits for all of them, then they all talk at the same time.
func together(addr string, n int, lines []string) error {
	conns := make([]*conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		i := i
		wg.Add(1)
		go func() {
			defer wg.Done()
			conns[i], errs[i] = dial(addr, i+1)
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		for _, c := range conns {
			if c != nil {
				c.c.Close()
			}
		}
		return err
	}
	for i := 0; i < n; i++ {
		i := i
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = converse(conns[i], lines)
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return err
	}
	fmt.Printf("%d connections at once: %d lines echoed byte-exact\n",
		n, n*len(lines))
	return nil
}

// converse runs the lines over an open connection and finishes it.
func converse(c *conn, lines []string) error {
	for _, line := range lines {
		if _, err := c.exchange(line); err != nil {
			c.c.Close()
			return err
		}
	}
	return c.finish()
}

// firstError sums up a batch: how many failed, and the first failure.
func firstError(errs []error) error {
	failed := 0
	var first error
	for _, err := range errs {
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	if failed == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d connections failed, first: %w",
		failed, len(errs), first)
}

// sequential opens n connections one after another.
func sequential(addr string, n int, lines []string) error {
	for i := 1; i <= n; i++ {
		if err := talk(addr, i, lines); err != nil {
			return err
		}
	}
	fmt.Printf("%d connections one after another: "+
		"%d lines echoed byte-exact\n", n, n*len(lines))
	return nil
}

// lockstep prints a transcript. Each step waits for the echo (or the
// end of stream) before the next connection moves, and the server
// logs a line before it echoes it, so the server's log is in the same
// order as this transcript.
func lockstep(addr string, n int, lines []string, wait bool) error {
	conns := make([]*conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.c.Close()
		}
	}()
	step := func(c *conn, line string) error {
		msg, err := c.exchange(line)
		if err != nil {
			return err
		}
		fmt.Printf("conn %d: sent and got back %q\n", c.id, msg)
		return nil
	}
	// Each connection connects and sends its first line before the
	// next one connects.
	for i := 1; i <= n; i++ {
		c, err := dial(addr, i)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		fmt.Printf("conn %d: connected\n", i)
		if err := step(c, lines[0]); err != nil {
			return err
		}
	}
	// The other lines go round-robin: 1, 2, ..., n, 1, 2, ...
	for _, line := range lines[1:] {
		for _, c := range conns {
			if err := step(c, line); err != nil {
				return err
			}
		}
	}
	for _, c := range conns {
		if !wait {
			c.c.Close()
			fmt.Printf("conn %d: closed\n", c.id)
			continue
		}
		if err := c.finish(); err != nil {
			return err
		}
		fmt.Printf("conn %d: closed, the server closed too\n", c.id)
	}
	conns = nil
	return nil
}

// resets makes every connection send the first half of a line and
// then abort: SO_LINGER with a zero timeout makes close(2) send a
// reset (RST) instead of the FIN of an orderly close.
func resets(addr string, n int, line string) error {
	half := message(0, line)
	half = strings.TrimSuffix(half, "\n")
	half = half[:(len(half)+1)/2]
	for i := 1; i <= n; i++ {
		c, err := dial(addr, i)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(c.c, half); err != nil {
			c.c.Close()
			return fmt.Errorf("conn %d: write: %w", i, err)
		}
		if err := c.c.SetLinger(0); err != nil {
			c.c.Close()
			return fmt.Errorf("conn %d: linger: %w", i, err)
		}
		if err := c.c.Close(); err != nil {
			return fmt.Errorf("conn %d: close: %w", i, err)
		}
	}
	fmt.Printf("%d connections reset after %q\n", n, half)
	return nil
}
