// Mt-server is the source notes' multi-thread echo server, written the
// Go way: one goroutine per connection. The main goroutine accepts;
// each client gets a goroutine that echoes every byte back unchanged.
//
// Usage:
//
//	mt-server [-n N] [-q] [-max M] <ip> <port>
//
// The ip is an IPv4 or IPv6 address (127.0.0.1, ::1); port 0 asks the
// kernel for any free port. The first line of standard output is
// "listening on <ip>:<port>". The server exits after N clients are
// done (0, the default: never); SIGINT or SIGTERM stop it. -q logs
// only the summary. With -max,
// a client beyond M open connections is told so and closed. Bad
// arguments exit with status 2.
package main

import (
	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"

	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// bufSize is the size of the read buffer, as in the source (1024).
const bufSize = 1024

const usage = "usage: mt-server [-n N] [-q] [-max M] <ip> <port>"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "mt-server: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("mt-server", flag.ContinueOnError)
	// Errors are reported once, by main, so the flag package stays
	// quiet.
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 0, "exit after `N` clients are done (0: never)")
	maxOpen := fs.Int("max", 0, "refuse clients beyond `M` open ones")
	quiet := fs.Bool("q", false, "log only the summary")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return &usageError{"want 2 arguments: <ip> <port>"}
	}
	if *n < 0 || *maxOpen < 0 {
		return &usageError{"-n and -max must be 0 or more"}
	}
	ap, err := sockarg.ParseAddr(fs.Arg(0), fs.Arg(1))
	if err != nil {
		return &usageError{err.Error()}
	}
	addr := ap.String()
	quietLog = *quiet
	return serve(addr, *n, *maxOpen)
}

// quietLog is set by -q.
var quietLog bool

// logf prints one line of the log unless -q is set.
func logf(format string, a ...any) {
	if !quietLog {
		fmt.Printf(format, a...)
	}
}

// server holds what the connection goroutines share. The source keeps
// a global array of 128 client slots; here each goroutine gets its
// connection as an argument and nothing is shared but these counters,
// guarded by a mutex.
type server struct {
	mu     sync.Mutex
	open   map[net.Conn]bool // connections being served
	peak   int               // most connections open at once
	done   int               // clients finished
	limit  int               // -n: stop after this many (0: never)
	max    int               // -max: refuse beyond this many (0: no)
	finish chan struct{}     // closed when done reaches limit
	wg     sync.WaitGroup
}

func serve(addr string, limit, maxOpen int) error {
	// net.Listen does socket, bind (with SO_REUSEADDR) and listen.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Printf("listening on %s\n", ln.Addr())
	// Running out of descriptors is no reason to stop: wait, and
	// accept again when a client has left (see patientListener).
	ln = &patientListener{Listener: ln}

	s := &server{
		open:   make(map[net.Conn]bool),
		limit:  limit,
		max:    maxOpen,
		finish: make(chan struct{}),
	}

	// A signal or the N-th client ends the accept loop: closing the
	// listener makes the blocked Accept return an error.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	stopped := make(chan string, 1)
	go func() {
		select {
		case sig := <-sigs:
			stopped <- "stopped by " + sig.String()
		case <-s.finish:
			stopped <- "all clients done"
		}
		ln.Close()
	}()

	// region accept
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				break
			}
			return err
		}
		if !s.admit(c) {
			continue
		}
		// One goroutine per connection: the pthread_create of the
		// source. A goroutine needs no pthread_detach: nobody joins
		// it, and its memory is reclaimed when it returns.
		s.wg.Add(1)
		go s.echo(c)
	}
	// endregion accept

	reason := <-stopped
	// Stopping by a signal ends the open connections too; closing a
	// connection makes its goroutine's Read return.
	s.mu.Lock()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	fmt.Printf("%s: %d served, at most %d at once\n",
		reason, s.done, s.peak)
	fmt.Printf("OS threads of this process: %d\n", threads())
	return nil
}

// patientListener is a listener whose Accept does not fail when the
// process is out of descriptors (EMFILE) or the system is (ENFILE).
// The connection stays in the kernel's accept queue; Accept waits a
// little, 5 ms at first and doubling up to 1 s, and tries again, so
// the server serves its open clients on and takes the new one when a
// descriptor is free. net/http's Server does the same. Returning the
// error instead would end the server and every connection with it.
type patientListener struct {
	net.Listener
}

func (l *patientListener) Accept() (net.Conn, error) {
	var wait time.Duration
	for {
		c, err := l.Listener.Accept()
		if !errors.Is(err, syscall.EMFILE) &&
			!errors.Is(err, syscall.ENFILE) {
			return c, err
		}
		if wait == 0 {
			fmt.Fprintf(os.Stderr, "mt-server: %v; "+
				"waiting for a client to leave\n", err)
			wait = 5 * time.Millisecond
		} else if wait *= 2; wait > time.Second {
			wait = time.Second
		}
		// A back-off, not a synchronisation: the kernel gives no
		// event when a descriptor becomes free.
		time.Sleep(wait)
	}
}

// admit registers a new connection, or refuses it when -max open
// connections are being served already. The check comes before the
// connection takes a place, not after (the source's bug).
func (s *server) admit(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max > 0 && len(s.open) >= s.max {
		logf("refused %s: %d connections open\n",
			c.RemoteAddr(), len(s.open))
		fmt.Fprintf(c, "server busy: %d connections open, "+
			"try again later\n", len(s.open))
		c.Close()
		return false
	}
	s.open[c] = true
	if len(s.open) > s.peak {
		s.peak = len(s.open)
	}
	logf("client connected from %s (%d open)\n",
		c.RemoteAddr(), len(s.open))
	return true
}

// region echo
// echo serves one connection and closes it.
func (s *server) echo(c net.Conn) {
	defer s.wg.Done()
	peer := c.RemoteAddr().String()
	// The log line comes before close(2): a client that sees the end
	// of stream knows the line is written.
	if err := copyEcho(c, peer); err != nil {
		logf("client %s: %v\n", peer, err)
	} else {
		logf("client %s closed the connection\n", peer)
	}
	c.Close()
	s.mu.Lock()
	delete(s.open, c)
	s.done++
	if s.done == s.limit {
		close(s.finish)
	}
	s.mu.Unlock()
}

// copyEcho writes back what it reads until the end of stream. It logs
// each read before echoing it, so a client that has its echo knows the
// log line is written.
func copyEcho(c net.Conn, peer string) error {
	buf := make([]byte, bufSize)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			logf("%s: received %d bytes: %q\n",
				peer, n, buf[:n])
			if _, werr := c.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// endregion echo

// region threads
// threads reads how many OS threads the process has from the kernel
// (the "Threads:" line of /proc/self/status). Goroutines run on a few
// threads (M:N scheduling), so this stays small however many clients
// are served; a thread blocked in a system call is replaced by another.
func threads() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "Threads:")
		if ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// endregion threads
