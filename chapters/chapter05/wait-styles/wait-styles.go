// wait-styles shows the three ways one thread can wait for clients:
// blocked in read(2) on one socket while another client waits unseen,
// polling non-blocking sockets in a loop that never sleeps, and
// sleeping in select(2) until any socket is ready.
//
// Usage:
//
//	wait-styles [blocking|polling|select|all]
//
// Everything happens on the loopback interface, between goroutines of
// this one process. Call counts and CPU times vary from run to run.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

const usage = "usage: wait-styles [blocking|polling|select|all]"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "wait-styles: error: %v\n", err)
		// A pointer type assertion: errors.As does not see
		// interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	part := "all"
	if len(args) > 1 {
		return &usageError{"want at most 1 argument: the part"}
	}
	if len(args) == 1 {
		part = args[0]
	}
	if part == "-h" || part == "-help" || part == "--help" {
		fmt.Println(usage)
		return nil
	}
	if strings.HasPrefix(part, "-") {
		return &usageError{"flag provided but not defined: " + part}
	}
	parts := map[string]func() error{
		"blocking": blocking, "polling": polling, "select": sleeping,
	}
	if part == "all" {
		for i, p := range []string{"blocking", "polling", "select"} {
			if i > 0 {
				fmt.Println()
			}
			if err := parts[p](); err != nil {
				return err
			}
		}
		return nil
	}
	f, ok := parts[part]
	if !ok {
		return &usageError{fmt.Sprintf("unknown part %q (want blocking, "+
			"polling, select or all)", part)}
	}
	return f()
}

// listener is a loopback listening socket and its port.
func listener() (int, int, error) {
	l, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, 0, os.NewSyscallError("socket", err)
	}
	lo := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(l, lo); err != nil {
		syscall.Close(l)
		return 0, 0, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(l, 8); err != nil {
		syscall.Close(l)
		return 0, 0, os.NewSyscallError("listen", err)
	}
	sa, err := syscall.Getsockname(l)
	if err != nil {
		syscall.Close(l)
		return 0, 0, os.NewSyscallError("getsockname", err)
	}
	return l, sa.(*syscall.SockaddrInet4).Port, nil
}

// dial connects a client to 127.0.0.1:port.
func dial(port int) (int, error) {
	c, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, os.NewSyscallError("socket", err)
	}
	sa := &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Connect(c, sa); err != nil {
		syscall.Close(c)
		return 0, os.NewSyscallError("connect", err)
	}
	return c, nil
}

// readable waits at most d for fd to become readable.
func readable(fd int, d time.Duration) (bool, error) {
	for {
		var set syscall.FdSet
		set.Bits[fd/64] |= 1 << (uint(fd) % 64)
		tv := syscall.NsecToTimeval(d.Nanoseconds())
		n, err := syscall.Select(fd+1, &set, nil, nil, &tv)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return false, os.NewSyscallError("select", err)
		}
		return n > 0, nil
	}
}

// region blocking
// blocking runs a server like chapter04's first echo-server: one
// thread, blocking accept and read, one client at a time. Client A
// connects and says nothing; client B connects and sends a line.
func blocking() error {
	fmt.Println("== blocking: one thread, blocked in read on one client ==")
	l, port, err := listener()
	if err != nil {
		return err
	}
	defer syscall.Close(l)
	served := make(chan error, 1)
	go func() { served <- serveInTurn(l, 2) }()

	a, err := dial(port)
	if err != nil {
		return err
	}
	defer syscall.Close(a)
	b, err := dial(port)
	if err != nil {
		return err
	}
	defer syscall.Close(b)
	fmt.Println("A and B connected (the kernel finished both handshakes)")
	syscall.Write(b, []byte("hello from B"))
	fmt.Println("B sends \"hello from B\"")
	ok, err := readable(b, 300*time.Millisecond)
	if err != nil {
		return err
	}
	fmt.Printf("B has its echo after 300 ms: %v (the server is in "+
		"read on A)\n", ok)
	// C: shutdown(a, SHUT_WR): A's FIN, and the server's read
	// returns 0.
	if err := syscall.Shutdown(a, syscall.SHUT_WR); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	fmt.Println("A closes its side")
	ok, err = readable(b, 5*time.Second)
	if err != nil {
		return err
	}
	buf := make([]byte, 64)
	n, _ := syscall.Read(b, buf)
	fmt.Printf("B has its echo now: %v, %q\n", ok, buf[:n])
	if err := syscall.Shutdown(b, syscall.SHUT_WR); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	// Not "return <-served": yaegi panics on a receive of an error
	// returned directly.
	if err := <-served; err != nil {
		return err
	}
	return nil
}

// serveInTurn accepts clients one after the other and echoes each one
// until it closes.
func serveInTurn(l, clients int) error {
	buf := make([]byte, 64)
	for i := 0; i < clients; i++ {
		// C: cfd = accept(lfd, NULL, NULL)
		c, _, err := syscall.Accept4(l, syscall.SOCK_CLOEXEC)
		if err != nil {
			return os.NewSyscallError("accept", err)
		}
		for {
			// C: n = read(cfd, buf, sizeof buf): blocks here
			n, err := syscall.Read(c, buf)
			if err != nil || n == 0 {
				break
			}
			syscall.Write(c, buf[:n])
		}
		syscall.Close(c)
	}
	return nil
}

// endregion blocking

// region polling
// polling reads a non-blocking socket with nothing to read in a loop
// for 200 ms, as a server polling its clients would between requests.
func polling() error {
	fmt.Println("== polling: non-blocking reads in a loop ==")
	p, err := syscall.Socketpair(syscall.AF_UNIX,
		syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socketpair", err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	// The thread's CPU clock must stay the thread that loops.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := make([]byte, 64)
	calls, eagain := 0, 0
	cpu0 := threadCPU()
	for start := time.Now(); time.Since(start) < 200*time.Millisecond; {
		// C: n = read(fd, buf, sizeof buf): -1, errno EAGAIN
		_, err := syscall.Read(p[0], buf)
		calls++
		if err == syscall.EAGAIN {
			eagain++
		}
	}
	cpu := threadCPU() - cpu0
	fmt.Printf("%d read calls in 200 ms, all EAGAIN: %v\n", calls,
		eagain == calls)
	fmt.Printf("CPU time used: %d ms, all of it asking\n",
		cpu.Milliseconds())
	return nil
}

// endregion polling

// region select
// sleeping waits for the same socket in select for 200 ms.
func sleeping() error {
	fmt.Println("== select: one call that sleeps until something is ready ==")
	p, err := syscall.Socketpair(syscall.AF_UNIX,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socketpair", err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	ok, err := readable(p[0], 200*time.Millisecond)
	if err != nil {
		return err
	}
	cpu := threadCPU() - cpu0
	fmt.Printf("1 select call in 200 ms, readable: %v\n", ok)
	fmt.Printf("CPU time used: less than 20 ms: %v\n",
		cpu < 20*time.Millisecond)
	return nil
}

// endregion select

// threadCPU is the CPU time this thread has used.
// C: clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
func threadCPU() time.Duration {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID,
		uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}
