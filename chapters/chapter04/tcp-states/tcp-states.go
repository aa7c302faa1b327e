// tcp-states walks one loopback TCP connection through its life and,
// after each step, prints the state of both ends as the kernel reports
// it in /proc/net/tcp.
//
// Usage:
//
//	tcp-states [scenario]
//
// The scenarios are:
//
//	syn-sent       a full accept queue leaves a client in SYN_SENT
//	client-first   the client closes first (the default)
//	server-first   the server closes first and keeps TIME_WAIT
//	fin-wait1      how long FIN_WAIT1 lasts: until the peer's delayed ACK
//	full-buffers   full buffers hold the FIN back: FIN_WAIT1, LAST_ACK
//	simultaneous   both ends close before either FIN arrives: CLOSING
//	all            all six, one after the other
//
// Ports and timers change from run to run; the program names the ends
// "client" and "server" instead of printing their ports.
package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/tcpnotebook/tcpnotebook/internal/procnet"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "tcp-states: error: %v\n", err)
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

var scenarios = []string{
	"syn-sent", "client-first", "server-first", "fin-wait1",
	"full-buffers", "simultaneous",
}

func run(args []string) error {
	name := "client-first"
	if len(args) > 1 {
		return &usageError{"usage: tcp-states [scenario]"}
	}
	if len(args) == 1 {
		name = args[0]
	}
	todo := []string{name}
	if name == "all" {
		todo = scenarios
	}
	for i, s := range todo {
		if i > 0 {
			fmt.Println()
		}
		if err := play(s); err != nil {
			return err
		}
	}
	return nil
}

func play(name string) error {
	switch name {
	case "syn-sent":
		return synSent()
	case "client-first":
		return closeFirst(name, "client")
	case "server-first":
		return closeFirst(name, "server")
	case "fin-wait1":
		return finWait1()
	case "full-buffers":
		return fullBuffers()
	case "simultaneous":
		return simultaneous()
	}
	return &usageError{fmt.Sprintf("unknown scenario %q (want %s or all)",
		name, strings.Join(scenarios, ", "))}
}

// kernelTable reads the rows of /proc/net/tcp that mention port.
// IPv4 sockets are listed there, IPv6 ones in /proc/net/tcp6.
func kernelTable(port int) ([]procnet.Entry, error) {
	return procnet.ReadPort(procnet.TCP4, port)
}

// end is one side of the connection, found in the table by its two
// addresses, which stay the same for its whole life.
type end struct {
	name          string
	local, remote string
}

// lookup returns the end's row; "-" when the kernel has forgotten it.
func lookup(t []procnet.Entry, e end) procnet.Entry {
	for _, x := range t {
		if x.Local == e.local && x.Remote == e.remote {
			return x
		}
	}
	return procnet.Entry{State: "-"}
}

// region show
// show polls the kernel (at most five seconds) until both ends are in
// the states a step should lead to, then prints a line. The changes
// happen in the kernel, not in our program, so they may lag the call
// that caused them by a moment: we wait for them, we never sleep
// blindly.
func show(step string, c, s end, wantC, wantS string) error {
	var ec, es procnet.Entry
	deadline := time.Now().Add(5 * time.Second)
	for {
		t, err := kernelTable(procnet.PortOf(s.local))
		if err != nil {
			return err
		}
		ec, es = lookup(t, c), lookup(t, s)
		if ec.State == wantC && es.State == wantS {
			break
		}
		if time.Now().After(deadline) {
			break // print what there is: the reader sees the surprise
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Printf("%-25s client %-21s server %s\n",
		step, describe(ec), describe(es))
	return nil
}

// describe prints a state. For TIME_WAIT it adds the time left on
// the timer, rounded up to a second: read right after the step that
// started it, that is the length the kernel set the timer to.
func describe(e procnet.Entry) string {
	if e.State == "TIME_WAIT" && e.Timer == procnet.TimerTimeWait {
		left := math.Ceil(e.Expires.Seconds())
		return fmt.Sprintf("TIME_WAIT (%.0fs left)", left)
	}
	return e.State
}

// endregion show

// conn is one connection: the listening socket and both ends.
type conn struct {
	lfd, cfd, sfd int
	lis, c, s     end
}

// open sets up the connection in the order a C program does.
// rcvbuf and sndbuf, when not zero, shrink the server's receive and
// both send buffers before the handshake, so that they fill quickly.
func open(rcvbuf int) (*conn, error) {
	x := &conn{lfd: -1, cfd: -1, sfd: -1}
	var err error
	// Step 1: socket(2). C: socket(AF_INET, SOCK_STREAM, 0)
	if x.lfd, err = syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM, 0); err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if rcvbuf > 0 {
		// An accepted socket inherits its buffer sizes from the
		// listener, and the window scale is fixed at the handshake,
		// so the option goes on before listen(2).
		err = syscall.SetsockoptInt(x.lfd, syscall.SOL_SOCKET,
			syscall.SO_RCVBUF, rcvbuf)
		if err != nil {
			x.close()
			return nil, os.NewSyscallError("setsockopt", err)
		}
	}
	// Step 2: bind(2) to port 0: the kernel picks a free port.
	// C: bind(lfd, (struct sockaddr *)&addr, sizeof addr)
	loop := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err = syscall.Bind(x.lfd, loop); err != nil {
		x.close()
		return nil, os.NewSyscallError("bind", err)
	}
	// Step 3: listen(2). C: listen(lfd, 8)
	if err = syscall.Listen(x.lfd, 8); err != nil {
		x.close()
		return nil, os.NewSyscallError("listen", err)
	}
	sa, err := syscall.Getsockname(x.lfd)
	if err != nil {
		x.close()
		return nil, os.NewSyscallError("getsockname", err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	x.lis = end{"listener", fmt.Sprintf("127.0.0.1:%d", port), "0.0.0.0:0"}

	// Step 4: the client's socket(2) and connect(2).
	// C: connect(cfd, (struct sockaddr *)&addr, sizeof addr)
	if x.cfd, err = syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM, 0); err != nil {
		x.close()
		return nil, os.NewSyscallError("socket", err)
	}
	if rcvbuf > 0 {
		for _, fd := range []int{x.lfd, x.cfd} {
			err = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET,
				syscall.SO_SNDBUF, rcvbuf)
			if err != nil {
				x.close()
				return nil, os.NewSyscallError("setsockopt", err)
			}
		}
		err = syscall.SetsockoptInt(x.cfd, syscall.SOL_SOCKET,
			syscall.SO_RCVBUF, rcvbuf)
		if err != nil {
			x.close()
			return nil, os.NewSyscallError("setsockopt", err)
		}
	}
	srv := &syscall.SockaddrInet4{Port: port, Addr: loop.Addr}
	if err = syscall.Connect(x.cfd, srv); err != nil {
		x.close()
		return nil, os.NewSyscallError("connect", err)
	}
	// Step 5: accept(2). C: cfd = accept(lfd, &caddr, &len)
	if x.sfd, _, err = syscall.Accept(x.lfd); err != nil {
		x.close()
		return nil, os.NewSyscallError("accept", err)
	}
	ca, err := syscall.Getsockname(x.cfd)
	if err != nil {
		x.close()
		return nil, os.NewSyscallError("getsockname", err)
	}
	cport := ca.(*syscall.SockaddrInet4).Port
	caddr := fmt.Sprintf("127.0.0.1:%d", cport)
	x.c = end{"client", caddr, x.lis.local}
	x.s = end{"server", x.lis.local, caddr}
	return x, nil
}

// close closes whatever is still open.
func (x *conn) close() {
	for _, fd := range []*int{&x.lfd, &x.cfd, &x.sfd} {
		if *fd >= 0 {
			syscall.Close(*fd)
			*fd = -1
		}
	}
}

// closeFd closes one descriptor of the connection: close(2).
func closeFd(fd *int) error {
	err := syscall.Close(*fd)
	*fd = -1
	return os.NewSyscallError("close", err)
}

// closeFirst plays the common path: one end closes, the other reads
// end of file and closes too. Whoever closes first ends in TIME_WAIT.
// region syn-sent
// synSent shows a connection before it exists. On loopback the whole
// handshake happens inside connect(2), so SYN_SENT is over before we
// can look, unless the SYN gets no answer. Linux drops a SYN when the
// listener's accept queue is full, and that queue holds backlog+1
// connections: with listen(fd, 1), the third client waits.
func synSent() error {
	fmt.Println("== syn-sent: a full accept queue leaves the SYN unanswered ==")
	// C: socket(), bind() to 127.0.0.1:0, listen(lfd, 1)
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(lfd)
	loop := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(lfd, loop); err != nil {
		return os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(lfd, 1); err != nil {
		return os.NewSyscallError("listen", err)
	}
	sa, err := syscall.Getsockname(lfd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	srv := fmt.Sprintf("127.0.0.1:%d", port)
	t, err := kernelTable(port)
	if err != nil {
		return err
	}
	fmt.Printf("%-25s listener %s\n", "listen(lfd, 1)",
		lookup(t, end{"listener", srv, "0.0.0.0:0"}).State)

	// Nobody calls accept(2): each connection stays in the queue.
	var fds []int
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}()
	for i := 1; i <= 3; i++ {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err != nil {
			return os.NewSyscallError("socket", err)
		}
		fds = append(fds, fd)
		// A non-blocking connect(2) returns EINPROGRESS at once
		// when the handshake is not complete yet.
		if err := syscall.SetNonblock(fd, true); err != nil {
			return os.NewSyscallError("fcntl", err)
		}
		err = syscall.Connect(fd, sa)
		if err != nil && err != syscall.EINPROGRESS {
			return os.NewSyscallError("connect", err)
		}
		local, err := syscall.Getsockname(fd)
		if err != nil {
			return os.NewSyscallError("getsockname", err)
		}
		cli := fmt.Sprintf("127.0.0.1:%d",
			local.(*syscall.SockaddrInet4).Port)
		// The server's end exists, in the queue, once the handshake
		// is done; its state is ESTABLISHED before any accept(2).
		want, wantS := "ESTABLISHED", "ESTABLISHED"
		if i == 3 {
			want, wantS = "SYN_SENT", "-"
		}
		err = show(fmt.Sprintf("client %d connect()", i),
			end{"client", cli, srv}, end{"server", srv, cli},
			want, wantS)
		if err != nil {
			return err
		}
	}
	return nil
}

// endregion syn-sent

// region close-first
func closeFirst(name, first string) error {
	fmt.Printf("== %s: the %s closes first ==\n", name, first)
	x, err := open(0)
	if err != nil {
		return err
	}
	defer x.close()
	t, err := kernelTable(procnet.PortOf(x.lis.local))
	if err != nil {
		return err
	}
	fmt.Printf("%-25s listener %s\n", "socket+bind+listen",
		lookup(t, x.lis).State)
	err = show("connect+accept", x.c, x.s, "ESTABLISHED", "ESTABLISHED")
	if err != nil {
		return err
	}
	// The listener is not part of the connection; closing it changes
	// nothing for the two ends.
	if err := closeFd(&x.lfd); err != nil {
		return err
	}

	// active, passive: the descriptors of the two roles.
	active, passive := &x.cfd, &x.sfd
	wantA, wantP := "FIN_WAIT2", "CLOSE_WAIT"
	if first == "server" {
		active, passive = &x.sfd, &x.cfd
		wantA, wantP = wantP, wantA
	}
	// The active close: close(2) sends FIN. The peer's kernel delays
	// its ACK by a few milliseconds (see finWait1), and show waits
	// until it has come: FIN_WAIT1 is over before the line prints.
	if err := closeFd(active); err != nil {
		return err
	}
	if err := show(first+" close()", x.c, x.s, wantA, wantP); err != nil {
		return err
	}
	// The passive side learns of the FIN as end of file: read returns 0.
	buf := make([]byte, 64)
	n, err := syscall.Read(*passive, buf)
	if err != nil {
		return os.NewSyscallError("read", err)
	}
	other := "server"
	if first == "server" {
		other = "client"
	}
	fmt.Printf("%-25s read returns %d: end of file\n", other+" read()", n)
	// The passive close: an end in FIN_WAIT2 acknowledges a FIN at
	// once, so LAST_ACK is gone before we can look, and the active
	// end enters TIME_WAIT.
	if err := closeFd(passive); err != nil {
		return err
	}
	wantA, wantP = "TIME_WAIT", "-"
	if first == "server" {
		wantA, wantP = wantP, wantA
	}
	return show(other+" close()", x.c, x.s, wantA, wantP)
}

// endregion close-first

// region fin-wait1
// finWait1 measures how long the client stays in FIN_WAIT1: from the
// shutdown(2) that sends its FIN until the server's ACK of it comes
// back. shutdown(SHUT_WR) sends the same FIN as close(2) but keeps the
// descriptor, so the client can watch its own state through TCP_INFO,
// a call that takes a microsecond; reading /proc/net/tcp takes a
// millisecond or more. First on a fresh connection, then after one
// exchange of data.
func finWait1() error {
	fmt.Println("== fin-wait1: how long the FIN waits for its ACK ==")
	for _, exchange := range []bool{false, true} {
		if err := timeFinWait1(exchange); err != nil {
			return err
		}
	}
	return nil
}

func timeFinWait1(exchange bool) error {
	x, err := open(0)
	if err != nil {
		return err
	}
	defer x.close()
	step := "fresh connection"
	if exchange {
		step = "after ping and pong"
		buf := make([]byte, 64)
		// The client sends, the server answers: each has now
		// received data, which is what delayed ACKs are about.
		if _, err := syscall.Write(x.cfd, []byte("ping\n")); err != nil {
			return os.NewSyscallError("write", err)
		}
		if _, err := syscall.Read(x.sfd, buf); err != nil {
			return os.NewSyscallError("read", err)
		}
		if _, err := syscall.Write(x.sfd, []byte("pong\n")); err != nil {
			return os.NewSyscallError("write", err)
		}
		if _, err := syscall.Read(x.cfd, buf); err != nil {
			return os.NewSyscallError("read", err)
		}
	}
	// C: shutdown(cfd, SHUT_WR): the FIN goes out now.
	start := time.Now()
	if err := syscall.Shutdown(x.cfd, syscall.SHUT_WR); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	first, err := tcpState(x.cfd)
	if err != nil {
		return err
	}
	// Poll for at most five seconds; a delayed ACK takes at most
	// 200 ms on Linux, more only on a machine under heavy load.
	state := first
	for state == "FIN_WAIT1" && time.Since(start) < 5*time.Second {
		if state, err = tcpState(x.cfd); err != nil {
			return err
		}
	}
	took := time.Since(start)
	fmt.Printf("%-25s client %s for %d ms, then %s\n", step, first,
		took.Milliseconds(), state)
	return nil
}

// tcpState reads the state of a socket from its struct tcp_info.
// C: getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len); ti.tcpi_state
func tcpState(fd int) (string, error) {
	var ti syscall.TCPInfo
	n := uint32(unsafe.Sizeof(ti))
	_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd),
		syscall.IPPROTO_TCP, syscall.TCP_INFO,
		uintptr(unsafe.Pointer(&ti)), uintptr(unsafe.Pointer(&n)), 0)
	if e != 0 {
		return "", os.NewSyscallError("getsockopt", e)
	}
	return procnet.StateNames[int(ti.State)], nil
}

// endregion fin-wait1

// fill writes to a non-blocking socket until the kernel refuses more
// (EAGAIN), and then until the peer's receive window is closed: then
// the last bytes cannot leave, and a FIN queued behind them waits too.
func fill(fd int, e end) (int, error) {
	if err := syscall.SetNonblock(fd, true); err != nil {
		return 0, os.NewSyscallError("fcntl", err)
	}
	defer syscall.SetNonblock(fd, false)
	chunk := make([]byte, 4096)
	total := 0
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := syscall.Write(fd, chunk)
		if n > 0 {
			total += n
		}
		if err == syscall.EAGAIN {
			// Full. The window is closed when the kernel runs its
			// zero window probe timer (timer 4 in /proc/net/tcp):
			// nothing is in flight and bytes still wait to be sent.
			t, err := kernelTable(procnet.PortOf(e.local))
			if err != nil {
				return total, err
			}
			if lookup(t, e).Timer == procnet.TimerProbe {
				return total, nil
			}
			if time.Now().After(deadline) {
				return total, errors.New("the peer's window never closed")
			}
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			return total, os.NewSyscallError("write", err)
		}
	}
}

// drain reads until end of file and returns the byte count.
func drain(fd int) (int, error) {
	buf := make([]byte, 64<<10)
	total := 0
	for {
		n, err := syscall.Read(fd, buf)
		if err != nil {
			return total, os.NewSyscallError("read", err)
		}
		if n == 0 {
			return total, nil
		}
		total += n
	}
}

// fullBuffers makes the short-lived states last: a FIN is sent only
// after all the data queued before it, so while the peer's receive
// buffer is full the FIN stays in our send queue.
func fullBuffers() error {
	fmt.Println("== full-buffers: each FIN waits behind unread data ==")
	x, err := open(4096)
	if err != nil {
		return err
	}
	defer x.close()
	if err := closeFd(&x.lfd); err != nil {
		return err
	}
	if err := show("connect+accept", x.c, x.s,
		"ESTABLISHED", "ESTABLISHED"); err != nil {
		return err
	}
	if _, err := fill(x.cfd, x.c); err != nil {
		return err
	}
	fmt.Printf("%-25s server's receive window is 0\n", "client writes")
	// shutdown(SHUT_WR) is an active close that keeps the socket open
	// for reading; close(2) would also work here, but the client must
	// read the server's data later on.
	// C: shutdown(cfd, SHUT_WR)
	if err := syscall.Shutdown(x.cfd, syscall.SHUT_WR); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	if err := show("client shutdown(SHUT_WR)", x.c, x.s,
		"FIN_WAIT1", "ESTABLISHED"); err != nil {
		return err
	}
	if _, err := drain(x.sfd); err != nil {
		return err
	}
	if err := show("server reads to EOF", x.c, x.s,
		"FIN_WAIT2", "CLOSE_WAIT"); err != nil {
		return err
	}
	if _, err := fill(x.sfd, x.s); err != nil {
		return err
	}
	fmt.Printf("%-25s client's receive window is 0\n", "server writes")
	if err := closeFd(&x.sfd); err != nil {
		return err
	}
	if err := show("server close()", x.c, x.s,
		"FIN_WAIT2", "LAST_ACK"); err != nil {
		return err
	}
	if _, err := drain(x.cfd); err != nil {
		return err
	}
	return show("client reads to EOF", x.c, x.s, "TIME_WAIT", "-")
}

// simultaneous closes both ends while each FIN is held back by a full
// window. The client then reads first, so the server's FIN reaches it
// while its own FIN is still unacknowledged: FIN_WAIT1 to CLOSING.
func simultaneous() error {
	fmt.Println("== simultaneous: both ends close, neither FIN has arrived ==")
	x, err := open(4096)
	if err != nil {
		return err
	}
	defer x.close()
	if err := closeFd(&x.lfd); err != nil {
		return err
	}
	if _, err := fill(x.cfd, x.c); err != nil {
		return err
	}
	if _, err := fill(x.sfd, x.s); err != nil {
		return err
	}
	fmt.Printf("%-25s both receive windows are 0\n", "both write")
	for _, fd := range []int{x.cfd, x.sfd} {
		if err := syscall.Shutdown(fd, syscall.SHUT_WR); err != nil {
			return os.NewSyscallError("shutdown", err)
		}
	}
	if err := show("both shutdown(SHUT_WR)", x.c, x.s,
		"FIN_WAIT1", "FIN_WAIT1"); err != nil {
		return err
	}
	if _, err := drain(x.cfd); err != nil {
		return err
	}
	if err := show("client reads to EOF", x.c, x.s,
		"CLOSING", "FIN_WAIT2"); err != nil {
		return err
	}
	if _, err := drain(x.sfd); err != nil {
		return err
	}
	return show("server reads to EOF", x.c, x.s, "TIME_WAIT", "TIME_WAIT")
}
