// poll-events provokes, one at a time, the events poll(2) reports in
// revents: POLLIN, POLLOUT, POLLHUP, POLLRDHUP, POLLERR and POLLNVAL,
// on socket pairs, pipes and loopback TCP connections.
//
// Usage:
//
//	poll-events
//
// Every case starts from fresh descriptors and polls them with a zero
// timeout, so the program never waits.
package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"unsafe"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "poll-events: error: %v\n", err)
		// A pointer type assertion: errors.As does not see
		// interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" ||
		args[0] == "--help") {
		fmt.Println("usage: poll-events")
		return nil
	}
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		return &usageError{"flag provided but not defined: " + args[0]}
	}
	if len(args) > 0 {
		return &usageError{"want no arguments"}
	}
	fmt.Printf("sizeof(struct pollfd) = %d bytes\n\n",
		unsafe.Sizeof(pollFd{}))
	cases := []struct {
		title string
		f     func() error
	}{
		{"data waiting", dataWaiting},
		{"data waiting on descriptor 1500", highFd},
		{"nothing asked", nothingAsked},
		{"socket pair, peer closed", pairClosed},
		{"pipe, write end closed", pipeHup},
		{"pipe, read end closed", pipeErr},
		{"TCP, peer closed", tcpFin},
		{"TCP, peer closed, and we shut down writing", tcpBoth},
		{"TCP, peer reset", tcpReset},
		{"a closed descriptor", closedFd},
		{"a negative descriptor", negativeFd},
	}
	for _, c := range cases {
		fmt.Printf("-- %s\n", c.title)
		if err := c.f(); err != nil {
			return err
		}
	}
	return nil
}

// region pollfd
// pollFd is struct pollfd: the descriptor, the events asked for, and
// the events the kernel found (revents), which it writes back.
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

// The event bits, from <poll.h>. POLLERR, POLLHUP and POLLNVAL are
// always reported: asking for them in events changes nothing.
const (
	pollIn    = 0x1
	pollPri   = 0x2
	pollOut   = 0x4
	pollErr   = 0x8
	pollHup   = 0x10
	pollNval  = 0x20
	pollRdHup = 0x2000
)

// poll is poll(2): the syscall package has no wrapper for it.
// C: n = poll(fds, nfds, timeout_ms)
func poll(fds []pollFd, timeoutMs int) (int, error) {
	var p unsafe.Pointer
	if len(fds) > 0 {
		p = unsafe.Pointer(&fds[0])
	}
	n, _, errno := syscall.Syscall(syscall.SYS_POLL, uintptr(p),
		uintptr(len(fds)), uintptr(timeoutMs))
	if errno != 0 {
		return 0, os.NewSyscallError("poll", errno)
	}
	return int(n), nil
}

// endregion pollfd

// eventNames spells out an events or revents field.
func eventNames(ev int16) string {
	names := []struct {
		bit  int16
		name string
	}{
		{pollIn, "POLLIN"}, {pollPri, "POLLPRI"}, {pollOut, "POLLOUT"},
		{pollErr, "POLLERR"}, {pollHup, "POLLHUP"},
		{pollNval, "POLLNVAL"}, {pollRdHup, "POLLRDHUP"},
	}
	var out []string
	for _, n := range names {
		if ev&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	if len(out) == 0 {
		return "0"
	}
	return strings.Join(out, "|")
}

// report polls one descriptor for events, with a zero timeout, and
// prints what came back.
func report(fd int, events int16) error {
	fds := []pollFd{{fd: int32(fd), events: events}}
	n, err := poll(fds, 0)
	if err != nil {
		return err
	}
	fmt.Printf("   events  %s\n   revents %s (poll returned %d)\n",
		eventNames(events), eventNames(fds[0].revents), n)
	return nil
}

func socketPair() ([2]int, error) {
	p, err := syscall.Socketpair(syscall.AF_UNIX,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return p, os.NewSyscallError("socketpair", err)
	}
	return p, nil
}

// region cases
func dataWaiting() error {
	p, err := socketPair()
	if err != nil {
		return err
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	syscall.Write(p[1], []byte("x"))
	// Readable (a byte waits) and writable (buffer space).
	return report(p[0], pollIn|pollOut)
}

func highFd() error {
	p, err := socketPair()
	if err != nil {
		return err
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	// C: dup2(sv[0], 1500): far past what an fd_set can hold; a
	// pollfd names its descriptor by number, not by a bit.
	const high = 1500
	if err := syscall.Dup3(p[0], high, syscall.O_CLOEXEC); err != nil {
		return os.NewSyscallError("dup3", err)
	}
	defer syscall.Close(high)
	syscall.Write(p[1], []byte("x"))
	return report(high, pollIn)
}

func nothingAsked() error {
	p, err := socketPair()
	if err != nil {
		return err
	}
	defer syscall.Close(p[0])
	syscall.Write(p[1], []byte("x"))
	syscall.Close(p[1])
	// events 0: data and hang-up are there, only POLLHUP is
	// reported, because it is never filtered.
	return report(p[0], 0)
}

func pairClosed() error {
	p, err := socketPair()
	if err != nil {
		return err
	}
	defer syscall.Close(p[0])
	syscall.Close(p[1])
	// read would return 0: POLLIN. A Unix stream socket whose peer
	// is gone is hung up both ways: POLLHUP too.
	return report(p[0], pollIn|pollRdHup)
}

func pipeHup() error {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	defer syscall.Close(p[0])
	// C: close(p[1]): no writer left, read returns 0.
	syscall.Close(p[1])
	return report(p[0], pollIn)
}

func pipeErr() error {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	defer syscall.Close(p[1])
	// C: close(p[0]): no reader left, write would fail with EPIPE.
	syscall.Close(p[0])
	return report(p[1], pollOut)
}

func tcpFin() error {
	c, s, err := tcpPair()
	if err != nil {
		return err
	}
	defer syscall.Close(s)
	syscall.Close(c)
	if err := awaitFin(s); err != nil {
		return err
	}
	// The peer's FIN: read returns 0, but we may still write, so
	// the connection is only half closed. No POLLHUP.
	return report(s, pollIn|pollOut|pollRdHup)
}

func tcpBoth() error {
	c, s, err := tcpPair()
	if err != nil {
		return err
	}
	defer syscall.Close(s)
	syscall.Close(c)
	if err := awaitFin(s); err != nil {
		return err
	}
	// C: shutdown(s, SHUT_WR): now both directions are shut.
	if err := syscall.Shutdown(s, syscall.SHUT_WR); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	return report(s, pollIn|pollOut|pollRdHup)
}

func tcpReset() error {
	c, s, err := tcpPair()
	if err != nil {
		return err
	}
	defer syscall.Close(s)
	// SO_LINGER on with a zero timeout: close sends RST, not FIN.
	// C: struct linger l = {1, 0}; setsockopt(c, SOL_SOCKET,
	// SO_LINGER, &l, sizeof l); close(c)
	err = syscall.SetsockoptLinger(c, syscall.SOL_SOCKET,
		syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
	if err != nil {
		syscall.Close(c)
		return os.NewSyscallError("setsockopt", err)
	}
	syscall.Close(c)
	if err := awaitFin(s); err != nil {
		return err
	}
	if err := report(s, pollIn|pollOut|pollRdHup); err != nil {
		return err
	}
	// The error itself waits in SO_ERROR (reading it clears it).
	soerr, err := syscall.GetsockoptInt(s, syscall.SOL_SOCKET,
		syscall.SO_ERROR)
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	fmt.Printf("   SO_ERROR: %v\n", syscall.Errno(soerr))
	return nil
}

func closedFd() error {
	p, err := socketPair()
	if err != nil {
		return err
	}
	syscall.Close(p[1])
	// A descriptor number that is not open: POLLNVAL, and poll
	// still counts it as ready.
	syscall.Close(p[0])
	return report(p[0], pollIn)
}

func negativeFd() error {
	// A negative fd is skipped: revents 0. Setting fd = -fd - 1
	// (or -1) is how a poll loop switches an entry off and on.
	return report(-1, pollIn)
}

// endregion cases

// tcpPair makes a loopback TCP connection: a client and the server's
// accepted socket (the listener is closed again).
func tcpPair() (int, int, error) {
	l, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, 0, os.NewSyscallError("socket", err)
	}
	defer syscall.Close(l)
	lo := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(l, lo); err != nil {
		return 0, 0, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(l, 1); err != nil {
		return 0, 0, os.NewSyscallError("listen", err)
	}
	sa, err := syscall.Getsockname(l)
	if err != nil {
		return 0, 0, os.NewSyscallError("getsockname", err)
	}
	c, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, 0, os.NewSyscallError("socket", err)
	}
	if err := syscall.Connect(c, sa); err != nil {
		syscall.Close(c)
		return 0, 0, os.NewSyscallError("connect", err)
	}
	s, _, err := syscall.Accept4(l, syscall.SOCK_CLOEXEC)
	if err != nil {
		syscall.Close(c)
		return 0, 0, os.NewSyscallError("accept", err)
	}
	return c, s, nil
}

// awaitFin waits, at most 5 s, until the peer's FIN or RST has reached
// s: the readiness the cases then look at in detail.
func awaitFin(s int) error {
	fds := []pollFd{{fd: int32(s), events: pollRdHup}}
	n, err := poll(fds, 5000)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no FIN or RST from the peer within 5 s")
	}
	return nil
}
