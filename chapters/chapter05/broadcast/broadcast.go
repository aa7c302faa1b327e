// Broadcast sends one UDP datagram to a broadcast address and shows
// that every socket bound to that address and port gets its own copy.
// It uses the loopback network's broadcast address, 127.255.255.255,
// so nothing leaves the machine.
//
// Usage:
//
//	broadcast                      the whole demonstration
//	broadcast recv [-n N] [-wait D] <port>
//	broadcast send [-no-broadcast] <port> <message>
//
// Without arguments it shows the EACCES of a sendto without
// SO_BROADCAST, the EADDRINUSE of a second receiver without
// SO_REUSEADDR, and one datagram reaching two receivers and not a
// socket bound to 127.0.0.1. "recv" is one receiver in a process of
// its own: it binds 127.255.255.255:<port> (port 0: any free port)
// with SO_REUSEADDR, prints "listening on 127.255.255.255:<port>",
// prints N datagrams (1 by default) and exits, or fails after waiting
// D (5s by default) for one. "send" sends one datagram there, with
// SO_BROADCAST unless -no-broadcast is given. Bad arguments exit with
// status 2.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"time"
)

// bcast is the broadcast address of lo's network, 127.0.0.0/8. The
// kernel puts a "broadcast" route for it in its local table when it
// gives lo the address 127.0.0.1/8 (ip route show table local).
var bcast = [4]byte{127, 255, 255, 255}

var loopback = [4]byte{127, 0, 0, 1}

const usage = `usage: broadcast
       broadcast recv [-n N] [-wait D] <port>
       broadcast send [-no-broadcast] <port> <message>`

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "broadcast: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "recv" {
		return runRecv(args[1:])
	}
	if len(args) > 0 && args[0] == "send" {
		return runSend(args[1:])
	}
	fs := flag.NewFlagSet("broadcast", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return &usageError{fmt.Sprintf("unknown command %q (want recv or send)",
			fs.Arg(0))}
	}
	return demo()
}

// parsePort checks a port argument: a decimal number from 0 to 65535.
func parsePort(s string) (int, error) {
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, &usageError{fmt.Sprintf("invalid port %q (want 0-65535)", s)}
	}
	return int(p), nil
}

func runRecv(args []string) error {
	fs := flag.NewFlagSet("broadcast recv", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 1, "print `N` datagrams, then exit")
	wait := fs.Duration("wait", 5*time.Second, "wait at most `D` for each")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return &usageError{"recv wants 1 argument: <port>"}
	}
	if *n < 1 {
		return &usageError{"-n must be 1 or more"}
	}
	if *wait < time.Millisecond {
		return &usageError{"-wait must be 1ms or more"}
	}
	port, err := parsePort(fs.Arg(0))
	if err != nil {
		return err
	}
	fd, err := receiver(port, true)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	local, err := syscall.Getsockname(fd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	fmt.Printf("listening on %s\n", addrPort(local))
	tv := syscall.NsecToTimeval(wait.Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET,
		syscall.SO_RCVTIMEO, &tv); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	buf := make([]byte, 65536)
	for i := 0; i < *n; i++ {
		m, from, err := syscall.Recvfrom(fd, buf, 0)
		if err == syscall.EAGAIN {
			return fmt.Errorf("no datagram within %v", *wait)
		}
		if err != nil {
			return os.NewSyscallError("recvfrom", err)
		}
		fmt.Printf("received %q from %s\n", buf[:m], addrPort(from))
	}
	return nil
}

func runSend(args []string) error {
	fs := flag.NewFlagSet("broadcast send", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	noBcast := fs.Bool("no-broadcast", false, "leave SO_BROADCAST off")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return &usageError{"send wants 2 arguments: <port> <message>"}
	}
	port, err := parsePort(fs.Arg(0))
	if err != nil {
		return err
	}
	if port == 0 {
		return &usageError{"send needs a port other than 0"}
	}
	fd, err := sender(!*noBcast)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	to := &syscall.SockaddrInet4{Port: port, Addr: bcast}
	if err := syscall.Sendto(fd, []byte(fs.Arg(1)), 0, to); err != nil {
		return os.NewSyscallError("sendto", err)
	}
	fmt.Printf("sent %d bytes to %s\n", len(fs.Arg(1)), addrPort(to))
	return nil
}

// region receiver
// receiver opens a socket that gets the datagrams broadcast to port.
func receiver(port int, reuse bool) (int, error) {
	// Step 1: socket(2). C: fd = socket(AF_INET, SOCK_DGRAM, 0)
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	// Step 2: setsockopt(2) SO_REUSEADDR.
	// C: setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
	// Several sockets may bind the same address and port only if
	// every one of them sets it; each then gets its own copy of
	// every broadcast datagram.
	if reuse {
		err = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET,
			syscall.SO_REUSEADDR, 1)
		if err != nil {
			syscall.Close(fd)
			return -1, os.NewSyscallError("setsockopt", err)
		}
	}
	// Step 3: bind(2) to the broadcast address.
	// C: addr.sin_addr.s_addr = inet_addr("127.255.255.255");
	//    bind(fd, (struct sockaddr *)&addr, sizeof addr)
	// A socket bound to the broadcast address gets broadcasts only;
	// one bound to 0.0.0.0 would get them and unicast too.
	sa := &syscall.SockaddrInet4{Port: port, Addr: bcast}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("bind", err)
	}
	return fd, nil
}

// endregion receiver

// region sender
// sender opens the sending socket, with SO_BROADCAST if allow is set.
func sender(allow bool) (int, error) {
	// C: fd = socket(AF_INET, SOCK_DGRAM, 0)
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	// C: setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one)
	// Without it the kernel refuses to send to a broadcast address
	// (EACCES): one datagram to everybody should not happen by
	// mistake.
	if allow {
		err = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET,
			syscall.SO_BROADCAST, 1)
		if err != nil {
			syscall.Close(fd)
			return -1, os.NewSyscallError("setsockopt", err)
		}
	}
	return fd, nil
}

// endregion sender

// addrPort turns a kernel address back into text (inet_ntop, ntohs).
func addrPort(sa syscall.Sockaddr) string {
	if sa, ok := sa.(*syscall.SockaddrInet4); ok {
		ip := netip.AddrFrom4(sa.Addr)
		return net.JoinHostPort(ip.String(), strconv.Itoa(sa.Port))
	}
	return "unknown address"
}

// errName names an errno as C does, for the output.
func errName(err error) string {
	names := map[syscall.Errno]string{
		syscall.EACCES: "EACCES", syscall.EADDRINUSE: "EADDRINUSE",
		syscall.EAGAIN: "EAGAIN",
	}
	if se, ok := err.(*os.SyscallError); ok {
		err = se.Err
	}
	if e, ok := err.(syscall.Errno); ok && names[e] != "" {
		return e.Error() + " (" + names[e] + ")"
	}
	return err.Error()
}

// region demo
func demo() error {
	// Two receivers on one port, the first on a port the kernel picks.
	r1, err := receiver(0, true)
	if err != nil {
		return err
	}
	defer syscall.Close(r1)
	sa, err := syscall.Getsockname(r1)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	r2, err := receiver(port, true)
	if err != nil {
		return err
	}
	defer syscall.Close(r2)
	fmt.Printf("receivers 1 and 2: bound %s with SO_REUSEADDR\n", addrPort(sa))

	// A third one without SO_REUSEADDR is refused the port.
	if r3, err := receiver(port, false); err == nil {
		syscall.Close(r3)
		fmt.Println("receiver 3, no SO_REUSEADDR: bound (unexpected)")
	} else {
		fmt.Printf("receiver 3, no SO_REUSEADDR: bind: %s\n", errName(err))
	}

	// A socket on the same port of 127.0.0.1 is not a receiver of
	// broadcasts: its address is not the one the datagram is sent to.
	uni, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(uni)
	uniAddr := &syscall.SockaddrInet4{Port: port, Addr: loopback}
	if err := syscall.Bind(uni, uniAddr); err != nil {
		return os.NewSyscallError("bind", err)
	}
	fmt.Printf("socket 4: bound %s\n", addrPort(uniAddr))

	to := &syscall.SockaddrInet4{Port: port, Addr: bcast}
	msg := []byte("hello, everyone")

	no, err := sender(false)
	if err != nil {
		return err
	}
	defer syscall.Close(no)
	err = syscall.Sendto(no, msg, 0, to)
	fmt.Printf("sendto %s without SO_BROADCAST: %s\n", addrPort(to),
		okOr(err))

	yes, err := sender(true)
	if err != nil {
		return err
	}
	defer syscall.Close(yes)
	err = syscall.Sendto(yes, msg, 0, to)
	fmt.Printf("sendto %s with SO_BROADCAST: %s\n", addrPort(to), okOr(err))
	if err != nil {
		return nil
	}

	buf := make([]byte, 100)
	for i, fd := range []int{r1, r2} {
		if err := setTimeout(fd, time.Second); err != nil {
			return err
		}
		n, from, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			fmt.Printf("receiver %d: %s\n", i+1, errName(err))
			continue
		}
		fmt.Printf("receiver %d: %q from %s\n", i+1, buf[:n], addrPort(from))
		// One copy each: nothing more is queued.
		_, _, err = syscall.Recvfrom(fd, buf, syscall.MSG_DONTWAIT)
		fmt.Printf("receiver %d, a second recvfrom: %s\n", i+1, errName(err))
	}
	// Both receivers have their copy, so the datagram has been
	// delivered: had socket 4 been a receiver, it would have one by now.
	_, _, err = syscall.Recvfrom(uni, buf, syscall.MSG_DONTWAIT)
	fmt.Printf("socket 4 (127.0.0.1): %s\n", errName(err))
	return viaNet(r1, to)
}

// endregion demo

// region net
// viaNet sends from a socket of the net package, which sets
// SO_BROADCAST on every UDP socket it opens (setDefaultSockopts in
// net/sockopt_linux.go): in Go the EACCES above never happens.
func viaNet(r1 int, to *syscall.SockaddrInet4) error {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	defer conn.Close()
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	on, oerr := 0, error(nil)
	err = rc.Control(func(fd uintptr) {
		on, oerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET,
			syscall.SO_BROADCAST)
	})
	if err == nil {
		err = oerr
	}
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	fmt.Printf("net.ListenUDP: SO_BROADCAST is %d before we ask\n", on)
	dst := &net.UDPAddr{IP: net.IP(to.Addr[:]), Port: to.Port}
	_, err = conn.WriteToUDP([]byte("from net"), dst)
	fmt.Printf("net: WriteToUDP %s: %s\n", dst, okOr(err))
	buf := make([]byte, 100)
	n, _, err := syscall.Recvfrom(r1, buf, 0)
	if err != nil {
		return os.NewSyscallError("recvfrom", err)
	}
	fmt.Printf("receiver 1: %q\n", buf[:n])
	return nil
}

// endregion net

// setTimeout bounds how long recvfrom may block (SO_RCVTIMEO).
func setTimeout(fd int, d time.Duration) error {
	tv := syscall.NsecToTimeval(d.Nanoseconds())
	err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET,
		syscall.SO_RCVTIMEO, &tv)
	return os.NewSyscallError("setsockopt", err)
}

// okOr prints nil as "ok".
func okOr(err error) string {
	if err == nil {
		return "ok"
	}
	return errName(err)
}
