// netpoll shows the epoll instance that Go's runtime keeps behind every
// net connection: it opens a listener and some connections, parks one
// goroutine in Read on each, and reads what the kernel says about the
// process in /proc/self/fd and /proc/self/fdinfo.
//
// Usage:
//
//	netpoll [-c N]
//
// N is the number of connections, each with a goroutine blocked in
// Read (default 100, at most 1000). Descriptor numbers and the thread
// count vary from run to run; what the program checks does not.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

const usage = "usage: netpoll [-c N]"

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "netpoll: error: %v\n", err)
		// A pointer type assertion: errors.As does not see
		// interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("netpoll", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("c", 100, "`N` connections, one blocked goroutine each")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return &usageError{"want no arguments"}
	}
	if *n < 1 || *n > 1000 {
		return &usageError{"-c must be from 1 to 1000"}
	}
	return show(*n)
}

func show(n int) error {
	// region listener
	// net.Listen makes a non-blocking socket and registers it with
	// the runtime's epoll instance before it returns.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	lfd, err := fdOf(ln.(*net.TCPListener))
	if err != nil {
		return err
	}
	epfd, events, err := watcher(lfd)
	if err != nil {
		return err
	}
	fmt.Printf("listener: descriptor %d\n", lfd)
	fmt.Printf("watched by descriptor %d, %s\n", epfd, link(epfd))
	fmt.Printf("for events %s\n", eventNames(events))
	// endregion listener

	// region parked
	// n connections; on the server side a goroutine per connection
	// calls Read, which finds no data (EAGAIN) and parks the
	// goroutine, not the thread.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	fds := map[int]bool{}
	parked := make(chan struct{}, n)
	done := make(chan error, n)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		conns = append(conns, c)
		s, err := ln.Accept()
		if err != nil {
			return err
		}
		conns = append(conns, s)
		fd, err := fdOf(s.(*net.TCPConn))
		if err != nil {
			return err
		}
		fds[fd] = true
		go func(s net.Conn) {
			parked <- struct{}{}
			_, err := s.Read(make([]byte, 1))
			done <- err
		}(s)
	}
	for i := 0; i < n; i++ {
		<-parked
	}
	// endregion parked

	// region count
	// Every server-side socket is in the same epoll instance.
	watched, err := targets(epfd)
	if err != nil {
		return err
	}
	in := 0
	for fd := range fds {
		if _, ok := watched[fd]; ok {
			in++
		}
	}
	threads, err := threadCount()
	if err != nil {
		return err
	}
	fmt.Printf("%d goroutines blocked in Read on %d sockets\n", n, n)
	fmt.Printf("%d of those sockets are in descriptor %d's interest list\n",
		in, epfd)
	fmt.Printf("threads in the process: %d\n", threads)
	fmt.Printf("fewer threads than blocked reads: %v\n", threads < n)
	// endregion count

	// Closing the client ends unblock every Read with io.EOF.
	for i := 0; i < len(conns); i += 2 {
		conns[i].Close()
	}
	eofs := 0
	for i := 0; i < n; i++ {
		if err := <-done; err == io.EOF {
			eofs++
		}
	}
	fmt.Printf("clients closed: %d reads returned io.EOF\n", eofs)
	return nil
}

// fdOf returns the descriptor behind a net listener or connection,
// without dup'ing it as File() would.
func fdOf(c syscall.Conn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	fd := -1
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return 0, err
	}
	return fd, nil
}

// link is what /proc/self/fd says a descriptor is.
func link(fd int) string {
	l, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return "?"
	}
	return l
}

// watcher finds the epoll instance that watches fd: the descriptor
// whose /proc/self/fdinfo lists fd as a "tfd" (target fd), and the
// events it asks for.
func watcher(fd int) (int, uint64, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, 0, err
	}
	for _, e := range ents {
		epfd, err := strconv.Atoi(e.Name())
		if err != nil || link(epfd) != "anon_inode:[eventpoll]" {
			continue
		}
		t, err := targets(epfd)
		if err != nil {
			continue
		}
		if ev, ok := t[fd]; ok {
			return epfd, ev, nil
		}
	}
	return 0, 0, fmt.Errorf("no epoll instance watches descriptor %d", fd)
}

// targets parses /proc/self/fdinfo/EPFD of an epoll descriptor: one
// line per watched descriptor, "tfd: 5 events: 8000201d data: ...".
func targets(epfd int) (map[int]uint64, error) {
	b, err := os.ReadFile(filepath.Join("/proc/self/fdinfo",
		strconv.Itoa(epfd)))
	if err != nil {
		return nil, err
	}
	t := map[int]uint64{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] != "tfd:" || f[2] != "events:" {
			continue
		}
		fd, err1 := strconv.Atoi(f[1])
		ev, err2 := strconv.ParseUint(f[3], 16, 32)
		if err1 == nil && err2 == nil {
			t[fd] = ev
		}
	}
	return t, nil
}

// eventNames spells out an epoll event mask.
func eventNames(ev uint64) string {
	names := []struct {
		bit  uint64
		name string
	}{
		{0x1, "EPOLLIN"}, {0x2, "EPOLLPRI"}, {0x4, "EPOLLOUT"},
		{0x8, "EPOLLERR"}, {0x10, "EPOLLHUP"}, {0x2000, "EPOLLRDHUP"},
		{1 << 30, "EPOLLONESHOT"}, {1 << 31, "EPOLLET"},
	}
	var out []string
	for _, n := range names {
		if ev&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return fmt.Sprintf("%#x = %s", ev, strings.Join(out, "|"))
}

// threadCount reads the Threads line of /proc/self/status.
func threadCount() (int, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("no Threads line in /proc/self/status")
}
