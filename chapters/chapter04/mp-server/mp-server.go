// Mp-server is the source notes' multi-process echo server. The parent
// accepts; for each client it starts a child process that inherits the
// connected socket and echoes every byte back unchanged. Children are
// reaped from a SIGCHLD handler with a wait4(WNOHANG) loop.
//
// Usage:
//
//	mp-server [-n N] [-q] [-leak] <ip> <port>
//
// The ip is an IPv4 or IPv6 address (127.0.0.1, ::1); port 0 asks the
// kernel for any free port. The first line of standard output is
// "listening on <ip>:<port>". The server exits after N clients are
// done (0, the default: never); SIGINT or SIGTERM stop it, children
// included. -q logs only the summary. -leak keeps the parent's copy of
// each connected socket open, as the source does, to show the sockets
// left in CLOSE_WAIT.
// Bad arguments exit with status 2.
//
// Go has no fork(2), so the child is this same program started again
// with os/exec: "mp-server child <peer>" serves descriptor 3.
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
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// bufSize is the size of the read buffer, as in the source (1024).
const bufSize = 1024

// backlog is the listen(2) queue. The source's 5 is too short for 200
// clients connecting at once: the kernel would drop their SYNs and the
// clients would retry a second later.
const backlog = 1024

// connFD is where a child finds the connected socket: ExtraFiles[0]
// becomes descriptor 3 (after standard input, output and error).
const connFD = 3

const usage = "usage: mp-server [-n N] [-q] [-leak] <ip> <port>"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "mp-server: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) >= 2 && args[0] == "child" {
		quietLog = len(args) == 3 && args[2] == "-q"
		return child(args[1])
	}
	fs := flag.NewFlagSet("mp-server", flag.ContinueOnError)
	// Errors are reported once, by main, so the flag package stays
	// quiet.
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 0, "exit after `N` clients are done (0: never)")
	leak := fs.Bool("leak", false, "keep the parent's copy (the bug)")
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
	if *n < 0 {
		return &usageError{"-n must be 0 or more"}
	}
	ap, err := sockarg.ParseAddr(fs.Arg(0), fs.Arg(1))
	if err != nil {
		return &usageError{err.Error()}
	}
	ip, port := ap.Addr(), int(ap.Port())
	quietLog = *quiet
	return serve(ip, port, *n, *leak)
}

// quietLog is set by -q: the children inherit it in their arguments.
var quietLog bool

// logf prints one line of the log unless -q is set.
func logf(format string, a ...any) {
	if !quietLog {
		fmt.Printf(format, a...)
	}
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

// addrPort turns a kernel address back into text.
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

// parent is the state the accept loop and the reaper share.
type parent struct {
	mu       sync.Mutex
	lfd      int
	children map[int]string // live children: pid -> client address
	reaped   int
	limit    int  // -n
	stopping bool // the accept loop is being stopped
	reason   string
	idle     chan struct{} // poked when the last child is reaped
	leak     bool          // -leak: keep the parent's copies
	kept     []*os.File    // the copies kept
}

func serve(ip netip.Addr, port, limit int, leak bool) error {
	family, sa := sockaddr(ip, port)

	// Step 1: socket(2). C: socket(AF_INET, SOCK_STREAM, 0)
	// SOCK_CLOEXEC keeps the listening socket out of the children.
	// C's fork copies every descriptor, and the source's children
	// keep the listening socket open for nothing.
	lfd, err := syscall.Socket(family,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(lfd)

	// Step 2: bind(2). C: bind(lfd, (struct sockaddr *)&addr, sizeof addr)
	if err := syscall.Bind(lfd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}

	// Step 3: listen(2). C: listen(lfd, 1024)
	if err := syscall.Listen(lfd, backlog); err != nil {
		return os.NewSyscallError("listen", err)
	}
	local, err := syscall.Getsockname(lfd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	fmt.Printf("listening on %s\n", addrPort(local))

	p := &parent{
		lfd:      lfd,
		children: make(map[int]string),
		limit:    limit,
		idle:     make(chan struct{}, 1),
		leak:     leak,
	}

	// The source installs a SIGCHLD handler with sigaction. In Go a
	// handler cannot run our code; signal.Notify queues the signal on
	// a channel and the reaper goroutine does the waitpid loop.
	chld := make(chan os.Signal, 1)
	signal.Notify(chld, syscall.SIGCHLD)
	defer signal.Stop(chld)
	go p.reaper(chld)

	// SIGINT and SIGTERM stop the accept loop; the children are then
	// told to stop too, and reaped.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(stop)
	go func() {
		sig, ok := <-stop
		if ok {
			p.halt("stopped by " + sig.String())
		}
	}()

	if err := p.acceptLoop(); err != nil {
		p.halt("accept failed")
		p.stopChildren()
		p.waitChildren()
		return err
	}
	if strings.HasPrefix(p.reason, "stopped") {
		p.stopChildren()
	}
	p.waitChildren()

	fmt.Printf("%s: %d children reaped\n", p.reason, p.reaped)
	// With no child left, alive or zombie, wait4 fails with ECHILD.
	var ws syscall.WaitStatus
	_, err = syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
	fmt.Printf("wait4 now: %v\n", err)
	fmt.Printf("connections the parent still holds: %s\n",
		socketStates())
	for _, f := range p.kept {
		f.Close()
	}
	return nil
}

// region accept
// acceptLoop accepts clients and starts a child for each one.
func (p *parent) acceptLoop() error {
	for {
		// Step 4: accept(2). C: cfd = accept(lfd, &caddr, &len)
		// accept4 with SOCK_CLOEXEC: the new socket goes only to
		// the child we choose, not to every child started later.
		cfd, peer, err := syscall.Accept4(p.lfd, syscall.SOCK_CLOEXEC)
		if err == syscall.EINTR {
			// The source's fix for accept failing when SIGCHLD
			// arrives. Go installs its handlers with SA_RESTART,
			// so the kernel restarts a blocking accept instead
			// and this branch is not taken (see accept-eintr).
			fmt.Println("accept: interrupted system call, again")
			continue
		}
		if err != nil {
			p.mu.Lock()
			stopping := p.stopping
			p.mu.Unlock()
			if stopping {
				return nil
			}
			return os.NewSyscallError("accept", err)
		}
		if err := p.spawn(cfd, addrPort(peer)); err != nil {
			// A client we cannot serve is closed; the server
			// goes on with the next one.
			fmt.Fprintf(os.Stderr, "mp-server: %v\n", err)
		}
	}
}

// spawn starts a child for one connection: the fork of the source.
func (p *parent) spawn(cfd int, peer string) error {
	conn := os.NewFile(uintptr(cfd), "conn "+peer)
	exe, err := os.Executable()
	if err != nil {
		conn.Close()
		return err
	}
	cmd := exec.Command(exe, "child", peer)
	if quietLog {
		cmd.Args = append(cmd.Args, "-q")
	}
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	// ExtraFiles[0] becomes the child's descriptor 3. exec dup2s it
	// there, which clears close-on-exec on the child's copy only.
	cmd.ExtraFiles = []*os.File{conn}

	// The log line comes before the child exists, so it is always
	// above the child's lines.
	logf("client connected from %s, starting a child\n", peer)

	// The lock makes the reaper wait until the child is in the map,
	// even if it exits at once.
	p.mu.Lock()
	err = cmd.Start()
	if err == nil {
		p.children[cmd.Process.Pid] = peer
		// We reap with wait4(-1) ourselves; Release frees what os
		// keeps for cmd.Wait (a pidfd).
		cmd.Process.Release()
	}
	p.mu.Unlock()

	if leak := p.keep(conn); leak {
		return err
	}
	// The errata: the parent must close its copy at once. The child
	// holds the connection now; with two references the kernel
	// would keep it open after the child closes its own.
	conn.Close()
	if err != nil {
		return fmt.Errorf("start child for %s: %w", peer, err)
	}
	return nil
}

// endregion accept

// keep holds on to the parent's copy when -leak asks for the bug.
func (p *parent) keep(conn *os.File) bool {
	if !p.leak {
		return false
	}
	p.mu.Lock()
	p.kept = append(p.kept, conn)
	p.mu.Unlock()
	return true
}

// region reaper
// reaper is the SIGCHLD handler of the source. Signals do not queue:
// three children may exit and deliver a single SIGCHLD, so each
// signal reaps in a loop until no exited child is left.
func (p *parent) reaper(chld chan os.Signal) {
	for range chld {
		for {
			var ws syscall.WaitStatus
			// C: pid = waitpid(-1, &status, WNOHANG)
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err == syscall.EINTR {
				continue
			}
			if err != nil || pid == 0 {
				// ECHILD: no children at all; 0: children
				// left, but all still running.
				break
			}
			p.mu.Lock()
			peer := p.children[pid]
			delete(p.children, pid)
			p.reaped++
			left := len(p.children)
			done := p.limit > 0 && p.reaped >= p.limit
			p.mu.Unlock()
			logf("reaped child %d (%s, %s)\n",
				pid, peer, describe(ws))
			if done {
				p.halt(fmt.Sprintf("%d clients done", p.limit))
			}
			if left == 0 {
				select {
				case p.idle <- struct{}{}:
				default:
				}
			}
		}
	}
}

// endregion reaper

// describe says how a child ended.
func describe(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "killed by signal " + ws.Signal().String()
	}
	return "exit status " + strconv.Itoa(ws.ExitStatus())
}

// halt stops the accept loop once. shutdown(2) on a listening socket
// makes a blocked accept return (EINVAL) on Linux.
func (p *parent) halt(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		return
	}
	p.stopping = true
	p.reason = reason
	syscall.Shutdown(p.lfd, syscall.SHUT_RD)
}

// stopChildren asks the live children to end (SIGTERM).
func (p *parent) stopChildren() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pid := range p.children {
		syscall.Kill(pid, syscall.SIGTERM)
	}
}

// waitChildren returns when the reaper has reaped every child.
func (p *parent) waitChildren() {
	for {
		p.mu.Lock()
		left := len(p.children)
		p.mu.Unlock()
		if left == 0 {
			return
		}
		<-p.idle
	}
}

// region child
// child serves the connection it inherited as descriptor 3.
func child(peer string) error {
	fd := connFD
	defer syscall.Close(fd)
	buf := make([]byte, bufSize)
	for {
		// Step 5a: read(2). C: len = read(cfd, buf, sizeof buf)
		n, err := syscall.Read(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("child for %s: %w", peer,
				os.NewSyscallError("read", err))
		}
		if n == 0 {
			// End of stream: the client closed. The source tests
			// "0 == pid" here, which is always true in the child;
			// what it means is "0 == len".
			return nil
		}
		logf("child %d: %s: received %d bytes: %q\n",
			os.Getpid(), peer, n, buf[:n])
		// Step 5b: write(2). C: write(cfd, buf, len)
		if err := writeAll(fd, buf[:n]); err != nil {
			return fmt.Errorf("child for %s: %w", peer, err)
		}
	}
}

// endregion child

// writeAll writes all of b, finishing partial writes.
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

// tcpStates names the states of /proc/net/tcp (include/net/tcp_states.h).
var tcpStates = map[string]string{
	"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV",
	"04": "FIN_WAIT1", "05": "FIN_WAIT2", "06": "TIME_WAIT",
	"07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK",
	"0A": "LISTEN", "0B": "CLOSING",
}

// socketStates asks the kernel which TCP sockets this process holds:
// the socket inodes among /proc/self/fd, looked up in /proc/net/tcp
// and tcp6. It returns a count per state, e.g. "LISTEN 1".
func socketStates() string {
	inodes := make(map[string]bool)
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err.Error()
	}
	for _, e := range entries {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue
		}
		inode, ok := strings.CutPrefix(target, "socket:[")
		if ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	// The state of each of our sockets, by inode: a busy machine's long
	// table is printed in pieces and may show a socket twice.
	states := make(map[string]string)
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || !inodes[fields[9]] {
				continue
			}
			states[fields[9]] = tcpStates[fields[3]]
		}
		f.Close()
	}
	counts := make(map[string]int)
	for _, state := range states {
		counts[state]++
	}
	var parts []string
	for state, n := range counts {
		parts = append(parts, state+" "+strconv.Itoa(n))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
