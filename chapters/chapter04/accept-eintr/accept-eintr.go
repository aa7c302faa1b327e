// Accept-eintr shows when a signal interrupts a blocked accept(2) with
// EINTR and when it does not, the source notes' second problem of the
// multi-process server.
//
// Usage:
//
//	accept-eintr
//
// A goroutine, locked to its OS thread, blocks in a raw accept. The
// program waits until the kernel shows that thread inside accept4,
// sends SIGCHLD to exactly that thread (tgkill), then connects a
// client. Case 1, a plain blocking socket: Go installs its signal
// handlers with SA_RESTART, the kernel restarts accept after the
// handler and accept returns the client. Case 2, the source's bug: the
// same with SA_RESTART cleared from the handler's flags (the source's
// sa_flags = 0): accept fails with EINTR, and the source's server
// stops there; calling it again, its fix, waits for the client as
// before. Case 3, SA_RESTART again but a receive timeout (SO_RCVTIMEO):
// such a socket call is never restarted. Case 4: the net package's
// Accept waits in the runtime's poller, not in accept4, so a signal
// has nothing to interrupt.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// sysAccept4 is accept4's system call number on linux/amd64; the
// syscall package's Accept uses accept4 too.
const sysAccept4 = 288

// waitLimit bounds every wait of this program.
const waitLimit = 5 * time.Second

const usage = "usage: accept-eintr"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "accept-eintr: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help") {
		fmt.Println(usage)
		return nil
	}
	if len(args) != 0 {
		return &usageError{"want no arguments"}
	}
	// Receiving SIGCHLD on a channel is what mp-server does; it also
	// tells us when the signal has been handled.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	defer signal.Stop(sigs)

	fmt.Println("case 1: blocking accept, handler with SA_RESTART")
	if err := rawCase(sigs, false); err != nil {
		return err
	}
	fmt.Println()
	fmt.Println("case 2: blocking accept, handler without SA_RESTART" +
		" (the source's sa_flags = 0)")
	if err := noRestartCase(sigs); err != nil {
		return err
	}
	fmt.Println()
	fmt.Println("case 3: accept with SO_RCVTIMEO set")
	if err := rawCase(sigs, true); err != nil {
		return err
	}
	fmt.Println()
	fmt.Println("case 4: net.Listener.Accept")
	return netCase(sigs)
}

// region no-restart
// noRestartCase is case 1 with the flag SA_RESTART taken out of the
// SIGCHLD handler that Go's runtime installed, and put back after.
func noRestartCase(sigs chan os.Signal) error {
	if err := setRestart(syscall.SIGCHLD, false); err != nil {
		return err
	}
	fmt.Println("SA_RESTART cleared from the SIGCHLD handler's flags")
	err := rawCase(sigs, false)
	if rerr := setRestart(syscall.SIGCHLD, true); err == nil {
		err = rerr
	}
	return err
}

// saRestart is SA_RESTART of <signal.h>.
const saRestart = 0x10000000

// setRestart sets or clears SA_RESTART for the handler of sig and
// keeps the handler itself, with the raw rt_sigaction(2): the syscall
// package has no wrapper for it.
// C: struct sigaction sa; sigaction(sig, NULL, &sa);
//
//	sa.sa_flags &= ~SA_RESTART; sigaction(sig, &sa, NULL)
func setRestart(sig syscall.Signal, on bool) error {
	// The kernel's struct sigaction: handler, flags, restorer, mask.
	var act [4]uint64
	_, _, e := syscall.Syscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
		0, uintptr(unsafe.Pointer(&act[0])), 8, 0, 0)
	if e != 0 {
		return os.NewSyscallError("rt_sigaction", e)
	}
	if on {
		act[1] |= saRestart
	} else {
		act[1] &^= saRestart
	}
	_, _, e = syscall.Syscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(&act[0])), 0, 8, 0, 0)
	if e != 0 {
		return os.NewSyscallError("rt_sigaction", e)
	}
	return nil
}

// endregion no-restart

// result is what one accept call returned.
type result struct {
	fd  int
	err error
}

// rawCase runs one accept on a fresh raw listening socket and sends
// SIGCHLD to the thread blocked in it.
func rawCase(sigs chan os.Signal, timeout bool) error {
	// C: lfd = socket(...); bind(127.0.0.1:0); listen(lfd, 8)
	lfd, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(lfd)
	sa := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(lfd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(lfd, 8); err != nil {
		return os.NewSyscallError("listen", err)
	}
	if timeout {
		// C: setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)
		tv := syscall.NsecToTimeval(int64(waitLimit))
		err := syscall.SetsockoptTimeval(lfd, syscall.SOL_SOCKET,
			syscall.SO_RCVTIMEO, &tv)
		if err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	local, err := syscall.Getsockname(lfd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	port := local.(*syscall.SockaddrInet4).Port

	// The accepting goroutine keeps one OS thread for itself, so that
	// the signal can be aimed at the very thread that waits.
	tids := make(chan int, 1)
	results := make(chan result, 2)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tids <- syscall.Gettid()
		for i := 0; i < 2; i++ {
			// C: cfd = accept(lfd, NULL, NULL)
			fd, _, err := syscall.Accept4(lfd, syscall.SOCK_CLOEXEC)
			results <- result{fd, err}
			if err != syscall.EINTR {
				return
			}
		}
	}()
	tid := <-tids
	if err := waitInAccept(tid); err != nil {
		return err
	}
	fmt.Println("the accepting thread is blocked in accept4")

	// C: a child exits and the kernel sends SIGCHLD to the parent.
	// tgkill(2) sends it to one thread, the one in accept.
	err = syscall.Tgkill(os.Getpid(), tid, syscall.SIGCHLD)
	if err != nil {
		return os.NewSyscallError("tgkill", err)
	}
	select {
	case <-sigs:
		fmt.Println("SIGCHLD delivered and handled")
	case <-time.After(waitLimit):
		return errors.New("SIGCHLD not seen")
	}

	client, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	defer client.Close()
	fmt.Println("a client connects")
	for {
		r, ok := next(results)
		if !ok {
			return errors.New("accept did not return")
		}
		if r.err == syscall.EINTR {
			fmt.Println("accept: interrupted system call (EINTR);" +
				" calling accept again")
			continue
		}
		if r.err != nil {
			return os.NewSyscallError("accept", r.err)
		}
		syscall.Close(r.fd)
		fmt.Println("accept: returned the client's connection")
		return nil
	}
}

// next waits (bounded) for the next accept result.
func next(results chan result) (result, bool) {
	select {
	case r := <-results:
		return r, true
	case <-time.After(waitLimit):
		return result{}, false
	}
}

// waitInAccept polls the kernel until thread tid is inside accept4:
// /proc/self/task/<tid>/syscall starts with the number of the system
// call a blocked thread is in.
func waitInAccept(tid int) error {
	name := "/proc/self/task/" + strconv.Itoa(tid) + "/syscall"
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		f := strings.Fields(string(b))
		if len(f) > 0 && f[0] == strconv.Itoa(sysAccept4) {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return errors.New("the thread never blocked in accept4")
}

// netCase waits in net.Listener.Accept instead. Its socket is
// non-blocking: the goroutine sleeps in the runtime's poller (epoll),
// not in accept4, so no thread waits in accept to be interrupted. When
// the poller reports a client, accept4 returns at once, and the net
// package retries EINTR itself in any case.
func netCase(sigs chan os.Signal) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	nonblock, err := nonBlocking(ln.(*net.TCPListener))
	if err != nil {
		return err
	}
	fmt.Printf("the listening socket is non-blocking: %v\n", nonblock)
	results := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		results <- err
	}()
	if err := syscall.Kill(os.Getpid(), syscall.SIGCHLD); err != nil {
		return os.NewSyscallError("kill", err)
	}
	select {
	case <-sigs:
		fmt.Println("SIGCHLD delivered and handled")
	case <-time.After(waitLimit):
		return errors.New("SIGCHLD not seen")
	}
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	defer client.Close()
	fmt.Println("a client connects")
	select {
	case e := <-results:
		err = e
	case <-time.After(waitLimit):
		return errors.New("net.Listener.Accept did not return")
	}
	if err != nil {
		return err
	}
	fmt.Println("Accept: returned the client's connection")
	return nil
}

// nonBlocking reads the O_NONBLOCK flag of the listener's socket.
// C: fcntl(fd, F_GETFL) & O_NONBLOCK
func nonBlocking(ln *net.TCPListener) (bool, error) {
	rc, err := ln.SyscallConn()
	if err != nil {
		return false, err
	}
	var flags uintptr
	var errno syscall.Errno
	err = rc.Control(func(fd uintptr) {
		flags, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd,
			syscall.F_GETFL, 0)
	})
	if err != nil {
		return false, err
	}
	if errno != 0 {
		return false, os.NewSyscallError("fcntl", errno)
	}
	return flags&syscall.O_NONBLOCK != 0, nil
}
