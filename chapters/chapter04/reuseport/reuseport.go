// reuseport shows why a restarted server can fail with "bind: address
// already in use", what SO_REUSEADDR and SO_REUSEPORT change, and what
// Go's net.Listen does about it.
//
// Usage:
//
//	reuseport [timewait|reuseaddr|golisten|spread|all] [flags]
//
// The lessons are:
//
//	timewait    the server closes first; its port stays in TIME_WAIT and
//	            a restart without options fails with EADDRINUSE
//	reuseaddr   what SO_REUSEADDR permits and what it does not, and
//	            which socket must have set it
//	golisten    net.Listen sets SO_REUSEADDR; Control can unset it
//	spread      SO_REUSEPORT: listeners sharing one port; the flags
//	            -k (listeners, 3) and -n (connections, 30) apply
//	all         the four, one after the other (the default)
//
// Everything runs on 127.0.0.1 with a port the kernel picks. Tables
// list the port's sockets from /proc/net/tcp; "self" owns a socket
// that this process still holds, "-" a socket nobody holds.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tcpnotebook/tcpnotebook/internal/procnet"
)

// soReusePort is SO_REUSEPORT from <asm-generic/socket.h>. Package
// syscall never got the name on linux/amd64 (it is frozen); the value
// is 15 on every Linux architecture but alpha, mips, parisc and sparc.
// golang.org/x/sys/unix has it as unix.SO_REUSEPORT.
const soReusePort = 15

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "reuseport: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError marks a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(args []string) error {
	name := "all"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("reuseport", flag.ContinueOnError)
	k := fs.Int("k", 3, "listeners sharing the port (spread)")
	n := fs.Int("n", 30, "connections to spread (spread)")
	if err := fs.Parse(args); err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{"unexpected argument " + fs.Arg(0)}
	}
	if *k < 1 || *k > 16 || *n < 1 || *n > 1000 {
		return &usageError{"want -k 1 to 16 and -n 1 to 1000"}
	}
	lessons := []string{"timewait", "reuseaddr", "golisten", "spread"}
	todo := []string{name}
	if name == "all" {
		todo = lessons
	}
	for i, l := range todo {
		if i > 0 {
			fmt.Println()
		}
		var err error
		switch l {
		case "timewait":
			err = timeWait()
		case "reuseaddr":
			err = reuseAddr()
		case "golisten":
			err = goListen()
		case "spread":
			err = spread(*k, *n)
		default:
			return &usageError{fmt.Sprintf(
				"unknown lesson %q (want %s or all)",
				l, strings.Join(lessons, ", "))}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// opts are the options a server sets before bind(2).
type opts struct{ reuseAddr, reusePort bool }

func (o opts) String() string {
	switch {
	case o.reuseAddr && o.reusePort:
		return "both"
	case o.reuseAddr:
		return "SO_REUSEADDR"
	case o.reusePort:
		return "SO_REUSEPORT"
	}
	return "no option"
}

// region listen
// listenRaw is the C server's start: socket, setsockopt, bind, listen.
// Port 0 lets the kernel choose; the port bound is returned.
func listenRaw(port int, o opts) (int, int, error) {
	// Step 1: socket(2). C: socket(AF_INET, SOCK_STREAM, 0)
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, 0, os.NewSyscallError("socket", err)
	}
	// Step 2: setsockopt(2), before bind: the check happens in bind.
	// C: setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
	if o.reuseAddr {
		err = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET,
			syscall.SO_REUSEADDR, 1)
	}
	if err == nil && o.reusePort {
		err = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET,
			soReusePort, 1)
	}
	if err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("setsockopt", err)
	}
	// Step 3: bind(2). C: bind(fd, (struct sockaddr *)&addr, sizeof addr)
	sa := &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("bind", err)
	}
	// Step 4: listen(2). C: listen(fd, 128)
	if err := syscall.Listen(fd, 128); err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("listen", err)
	}
	got, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("getsockname", err)
	}
	return fd, got.(*syscall.SockaddrInet4).Port, nil
}

// endregion listen

// result says how a bind went, in the words the C programs print.
func result(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, syscall.EADDRINUSE):
		return "bind: address already in use (EADDRINUSE)"
	}
	return err.Error()
}

// dial connects a client socket to 127.0.0.1:port.
// C: connect(fd, (struct sockaddr *)&addr, sizeof addr)
func dial(port int) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	sa := &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Connect(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("connect", err)
	}
	return fd, nil
}

// localAddr returns "127.0.0.1:port" of a socket.
func localAddr(fd int) (string, error) {
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return "", os.NewSyscallError("getsockname", err)
	}
	return fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port), nil
}

// server is a listener with one accepted connection and its client.
type server struct {
	lfd, sfd, cfd int
	port          int
	srv, cli      string // the connection's two addresses
}

// startServer listens with the options o and accepts one client.
func startServer(o opts) (*server, error) {
	lfd, port, err := listenRaw(0, o)
	if err != nil {
		return nil, err
	}
	s := &server{lfd: lfd, sfd: -1, cfd: -1, port: port}
	if s.cfd, err = dial(port); err != nil {
		s.close()
		return nil, err
	}
	// C: sfd = accept(lfd, (struct sockaddr *)&caddr, &len)
	if s.sfd, _, err = syscall.Accept(lfd); err != nil {
		s.close()
		return nil, os.NewSyscallError("accept", err)
	}
	s.srv = fmt.Sprintf("127.0.0.1:%d", port)
	if s.cli, err = localAddr(s.cfd); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *server) close() {
	for _, fd := range []*int{&s.lfd, &s.sfd, &s.cfd} {
		if *fd >= 0 {
			syscall.Close(*fd)
			*fd = -1
		}
	}
}

// closeServerSide is what the source does with Ctrl+C on the server:
// the process ends and the kernel closes its descriptors, the
// listener and the connection, which sends FIN to the client.
func (s *server) closeServerSide() error {
	for _, fd := range []*int{&s.lfd, &s.sfd} {
		err := syscall.Close(*fd)
		*fd = -1
		if err != nil {
			return os.NewSyscallError("close", err)
		}
	}
	return nil
}

// closeClientSide lets the client read end of file and close: the
// server's end moves from FIN_WAIT2 to TIME_WAIT.
func (s *server) closeClientSide() error {
	buf := make([]byte, 16)
	if _, err := syscall.Read(s.cfd, buf); err != nil {
		return os.NewSyscallError("read", err)
	}
	err := syscall.Close(s.cfd)
	s.cfd = -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return waitState(s.srv, s.cli, "TIME_WAIT")
}

// leaveTimeWait runs a whole server life with options o and returns
// its port, now held by a socket in TIME_WAIT.
func leaveTimeWait(o opts) (int, error) {
	s, err := startServer(o)
	if err != nil {
		return 0, err
	}
	defer s.close()
	if err := s.closeServerSide(); err != nil {
		return 0, err
	}
	if err := s.closeClientSide(); err != nil {
		return 0, err
	}
	return s.port, nil
}

// tryBind is the restart: bind the port again, then let it go.
func tryBind(port int, o opts) error {
	fd, _, err := listenRaw(port, o)
	if err == nil {
		syscall.Close(fd)
	}
	return err
}

// region timewait
// timeWait is the source's netstat walk-through, live.
func timeWait() error {
	fmt.Println("== timewait: the server closes first, then restarts ==")
	s, err := startServer(opts{})
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Println("1. the server listens (no option), a client connects")
	if err := waitState(s.cli, s.srv, "ESTABLISHED"); err != nil {
		return err
	}
	if err := table(s.port, s.cli); err != nil {
		return err
	}
	fmt.Println("2. the server closes first (Ctrl+C in the source)")
	if err := s.closeServerSide(); err != nil {
		return err
	}
	if err := waitState(s.srv, s.cli, "FIN_WAIT2"); err != nil {
		return err
	}
	if err := table(s.port, s.cli); err != nil {
		return err
	}
	fmt.Println("3. the client reads end of file and closes")
	if err := s.closeClientSide(); err != nil {
		return err
	}
	if err := table(s.port, s.cli); err != nil {
		return err
	}
	fmt.Println("4. a new server binds the same port")
	for _, o := range []opts{{}, {reuseAddr: true}, {reusePort: true}} {
		fmt.Printf("   %-14s %s\n", o, result(tryBind(s.port, o)))
	}
	return nil
}

// endregion timewait

// reuseAddr shows the fix, its limits, and the rule behind it: Linux
// lets a bind share the port with a TIME_WAIT socket only if the new
// socket and the old one both set SO_REUSEADDR (or both SO_REUSEPORT).
func reuseAddr() error {
	fmt.Println("== reuseaddr: what SO_REUSEADDR permits ==")
	o := opts{reuseAddr: true}
	port, err := leaveTimeWait(o)
	if err != nil {
		return err
	}
	fmt.Println("1. both runs of the server set SO_REUSEADDR")
	fd, _, err := listenRaw(port, o)
	fmt.Printf("   restart over TIME_WAIT: %s\n", result(err))
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	if err := table(port, ""); err != nil {
		return err
	}
	fmt.Println("2. a second listener on the same port, also SO_REUSEADDR")
	fmt.Printf("   %s\n", result(tryBind(port, o)))

	fmt.Println("3. the old socket's option (rows), the new one's (columns)")
	all := []opts{{}, {reuseAddr: true}, {reusePort: true}}
	fmt.Printf("   %-14s %-14s %-14s %s\n", "",
		all[0], all[1], all[2])
	for _, old := range all {
		fmt.Printf("   %-14s", old)
		for j, n := range all {
			port, err := leaveTimeWait(old)
			if err != nil {
				return err
			}
			cell := "ok"
			if err := tryBind(port, n); errors.Is(err,
				syscall.EADDRINUSE) {
				cell = "EADDRINUSE"
			} else if err != nil {
				return err
			}
			if j == len(all)-1 {
				fmt.Printf(" %s", cell)
			} else {
				fmt.Printf(" %-14s", cell)
			}
		}
		fmt.Println()
	}
	return nil
}

// region golisten
// goListen shows that net.Listen never meets the failure: since Go 1.0
// it sets SO_REUSEADDR on every listener (setDefaultListenerSockopts in
// src/net/sockopt_linux.go), before the Control hook and before bind.
func goListen() error {
	fmt.Println("== golisten: net.Listen sets SO_REUSEADDR ==")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	v, err := reuseAddrOf(ln)
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Printf("net.Listen: SO_REUSEADDR is %d\n", v)
	addr := ln.Addr().String()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		ln.Close()
		return err
	}
	defer c.Close()
	sc, err := ln.Accept()
	if err != nil {
		ln.Close()
		return err
	}
	cli := c.LocalAddr().String()
	// The server closes first, the client follows.
	sc.Close()
	ln.Close()
	if _, err := c.Read(make([]byte, 1)); err == nil {
		return errors.New("read: want end of file")
	}
	c.Close()
	if err := waitState(addr, cli, "TIME_WAIT"); err != nil {
		return err
	}
	fmt.Println("a Go server closed first: its port is in TIME_WAIT")

	ln2, err := net.Listen("tcp", addr)
	fmt.Printf("restart with net.Listen:          %s\n", result(err))
	if err == nil {
		ln2.Close()
	}
	// Control runs after Go's own options and before bind(2), so it
	// can undo SO_REUSEADDR and bring back the C behaviour.
	lc := net.ListenConfig{Control: func(network, address string,
		c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET,
				syscall.SO_REUSEADDR, 0)
		})
		if err != nil {
			return err
		}
		return os.NewSyscallError("setsockopt", serr)
	}}
	ln3, err := lc.Listen(context.Background(), "tcp", addr)
	fmt.Printf("restart with SO_REUSEADDR unset:  %s\n", result(err))
	if err == nil {
		ln3.Close()
	}
	// The rule needs the option on both sockets: Go's default does not
	// help against TIME_WAIT left by a C server without it.
	port, err := leaveTimeWait(opts{})
	if err != nil {
		return err
	}
	ln4, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	fmt.Printf("net.Listen after a C server:      %s\n", result(err))
	if err == nil {
		ln4.Close()
	}
	return nil
}

// endregion golisten

// reuseAddrOf reads SO_REUSEADDR back from a listener's socket.
func reuseAddrOf(ln net.Listener) (int, error) {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return 0, errors.New("not a TCP listener")
	}
	rc, err := tl.SyscallConn()
	if err != nil {
		return 0, err
	}
	var v int
	var gerr error
	err = rc.Control(func(fd uintptr) {
		v, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET,
			syscall.SO_REUSEADDR)
	})
	if err != nil {
		return 0, err
	}
	return v, os.NewSyscallError("getsockopt", gerr)
}

// region spread
// spread binds k listeners to one port with SO_REUSEPORT, opens n
// connections and counts how many each listener accepts. The kernel
// picks the listener by a hash of the connection's addresses, so the
// counts change from run to run; with n much larger than k every
// listener almost surely gets some.
func spread(k, n int) error {
	fmt.Printf("== spread: %d listeners share one port (SO_REUSEPORT) ==\n", k)
	o := opts{reusePort: true}
	var fds []int
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}()
	port := 0
	for i := 0; i < k; i++ {
		fd, p, err := listenRaw(port, o)
		if err != nil {
			return fmt.Errorf("listener %d: %w", i+1, err)
		}
		fds = append(fds, fd)
		port = p
		fmt.Printf("listener %d, SO_REUSEPORT:   %s\n", i+1, result(nil))
	}
	fmt.Printf("one more, without the option: %s\n",
		result(tryBind(port, opts{})))
	fmt.Printf("one more, SO_REUSEADDR only:  %s\n",
		result(tryBind(port, opts{reuseAddr: true})))

	var clients []int
	defer func() {
		for _, fd := range clients {
			syscall.Close(fd)
		}
	}()
	for i := 0; i < n; i++ {
		fd, err := dial(port)
		if err != nil {
			return err
		}
		clients = append(clients, fd)
	}
	counts, err := acceptAll(fds, n)
	if err != nil {
		return err
	}
	var parts []string
	every := true
	for _, c := range counts {
		parts = append(parts, strconv.Itoa(c))
		if c == 0 {
			every = false
		}
	}
	fmt.Printf("%d connections, accepted per listener: %s\n",
		n, strings.Join(parts, " "))
	fmt.Printf("every listener accepted at least one: %v\n", every)
	return nil
}

// endregion spread

// acceptAll accepts without blocking from every listener until n
// connections are in, polling for at most five seconds: a connection
// reaches its listener's queue when the handshake's last ACK is
// processed, which may be a moment after connect(2) returned.
func acceptAll(fds []int, n int) ([]int, error) {
	counts := make([]int, len(fds))
	for _, fd := range fds {
		if err := syscall.SetNonblock(fd, true); err != nil {
			return nil, os.NewSyscallError("fcntl", err)
		}
	}
	total := 0
	deadline := time.Now().Add(5 * time.Second)
	for total < n {
		got := false
		for i, fd := range fds {
			nfd, _, err := syscall.Accept(fd)
			if err == syscall.EAGAIN {
				continue
			}
			if err != nil {
				return nil, os.NewSyscallError("accept", err)
			}
			// The client closes first (deferred above); closing the
			// server's end after it keeps TIME_WAIT off our port.
			defer syscall.Close(nfd)
			counts[i]++
			total++
			got = true
		}
		if !got {
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("accepted %d of %d", total, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return counts, nil
}

// waitState polls the kernel, at most five seconds, until the socket
// local->remote is in state want.
func waitState(local, remote, want string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		t, err := kernelTable(procnet.PortOf(local))
		if err != nil {
			return err
		}
		for _, e := range t {
			if e.Local == local && e.Remote == remote &&
				e.State == want {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s -> %s never reached %s",
				local, remote, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// table prints the port's sockets like netstat -an, with the owner:
// those bound to the port, and the demo's own client (client, if not
// empty). A socket of some other program whose peer once had this port
// number (a TIME_WAIT left by an earlier server, say) is not ours.
func table(port int, client string) error {
	t, err := kernelTable(port)
	if err != nil {
		return err
	}
	suffix := fmt.Sprintf(":%d", port)
	var rows []procnet.Entry
	for _, e := range t {
		if strings.HasSuffix(e.Local, suffix) ||
			(client != "" && e.Local == client) {
			rows = append(rows, e)
		}
	}
	// The kernel lists sockets in hash order; sort for a stable view:
	// sockets bound to the port first, then by state and address.
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		ai := strings.HasSuffix(a.Local, suffix)
		bi := strings.HasSuffix(b.Local, suffix)
		if ai != bi {
			return ai
		}
		if stateRank[a.State] != stateRank[b.State] {
			return stateRank[a.State] < stateRank[b.State]
		}
		return a.Remote < b.Remote
	})
	for _, e := range rows {
		owner := "self"
		if e.Inode == 0 {
			owner = "-"
		}
		remote := e.Remote
		if remote == "0.0.0.0:0" {
			remote = "0.0.0.0:*"
		}
		fmt.Printf("   tcp  %-17s %-17s %-12s %s\n",
			e.Local, remote, e.State, owner)
	}
	return nil
}

// stateRank orders rows as a reader expects: listeners first, then the
// states of a connection's life from its start to its end.
var stateRank = map[string]int{
	"LISTEN": 0, "SYN_SENT": 1, "SYN_RECV": 2, "NEW_SYN_RECV": 2,
	"ESTABLISHED": 3, "FIN_WAIT1": 4, "FIN_WAIT2": 5, "CLOSE_WAIT": 6,
	"CLOSING": 7, "LAST_ACK": 8, "TIME_WAIT": 9, "CLOSE": 10,
}

// kernelTable reads the rows of /proc/net/tcp that mention port;
// every socket here is on 127.0.0.1, so /proc/net/tcp6 has none.
func kernelTable(port int) ([]procnet.Entry, error) {
	return procnet.ReadPort(procnet.TCP4, port)
}
