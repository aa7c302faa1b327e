// Wildcard shows what a listening socket accepts depending on the
// address it is bound to: the IPv4 wildcard 0.0.0.0 (INADDR_ANY), one
// address (127.0.0.1, ::1), and the IPv6 wildcard :: with and without
// IPV6_V6ONLY, by connecting to each listener from 127.0.0.1 and ::1.
//
// Usage:
//
//	wildcard
//
// A wildcard listener accepts connections on every address of the
// host, so the program runs its listeners in a private network
// namespace of its own, whose only interface is lo: it starts a copy
// of itself there (CLONE_NEWNET, in a new user namespace when the
// system allows one, else as root) and brings lo up.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"unsafe"
)

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "wildcard: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// childArg is the argument the copy in the namespace gets.
const childArg = "in-private-netns"

func run(args []string) error {
	if len(args) == 1 && args[0] == childArg {
		return inNamespace()
	}
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help") {
		fmt.Println("usage: wildcard")
		return nil
	}
	if len(args) != 0 {
		return &usageError{"unexpected argument " + args[0] +
			" (usage: wildcard)"}
	}
	return startInNamespace()
}

// startInNamespace runs a copy of this program in a new network
// namespace and passes its output through.
func startInNamespace() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	try := func(flags uintptr, user bool) error {
		cmd := exec.Command(exe, childArg)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		attr := &syscall.SysProcAttr{Cloneflags: flags}
		if user {
			// Root inside, ourselves outside: enough to own
			// the new network namespace and bring lo up.
			attr.UidMappings = []syscall.SysProcIDMap{
				{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
			attr.GidMappings = []syscall.SysProcIDMap{
				{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
		}
		cmd.SysProcAttr = attr
		return cmd.Run()
	}
	err = try(syscall.CLONE_NEWUSER|syscall.CLONE_NEWNET, true)
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) ||
		errors.Is(err, syscall.ENOSPC) {
		err = try(syscall.CLONE_NEWNET, false)
	}
	if errors.Is(err, syscall.EPERM) {
		return errors.New("cannot create a network namespace " +
			"(EPERM): run as root, or allow user namespaces")
	}
	if err != nil {
		// The copy has printed its own error line.
		if _, ok := err.(*exec.ExitError); ok {
			return errors.New("the copy in the namespace failed")
		}
		return err
	}
	return nil
}

// ifreq is struct ifreq of <net/if.h> with its ifr_flags member: the
// argument of the SIOCGIFFLAGS and SIOCSIFFLAGS ioctls (40 bytes).
type ifreq struct {
	Name  [16]byte
	Flags uint16
	_     [22]byte
}

// loUp is "ip link set lo up": a new network namespace has lo, down.
func loUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(fd)
	var r ifreq
	copy(r.Name[:], "lo")
	for _, req := range []uintptr{syscall.SIOCGIFFLAGS, syscall.SIOCSIFFLAGS} {
		if req == syscall.SIOCSIFFLAGS {
			r.Flags |= syscall.IFF_UP
		}
		// C: ioctl(fd, SIOCGIFFLAGS, &ifr) and SIOCSIFFLAGS
		_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req,
			uintptr(unsafe.Pointer(&r)))
		if e != 0 {
			return os.NewSyscallError("ioctl", e)
		}
	}
	return nil
}

// listener is one way to bind a listening socket.
type listener struct {
	label  string
	family int
	addr   string // "" for the wildcard of the family
	v6only int    // IPV6_V6ONLY: -1 leaves the default
}

func inNamespace() error {
	if err := loUp(); err != nil {
		return err
	}
	b, err := os.ReadFile("/proc/sys/net/ipv6/bindv6only")
	if err != nil {
		return err
	}
	fmt.Printf("in a private network namespace: lo only, "+
		"net.ipv6.bindv6only = %s\n\n", strings.TrimSpace(string(b)))

	// region matrix
	listeners := []listener{
		{"0.0.0.0 (INADDR_ANY)", syscall.AF_INET, "", -1},
		{"127.0.0.1", syscall.AF_INET, "127.0.0.1", -1},
		{"::1", syscall.AF_INET6, "::1", -1},
		{":: (in6addr_any)", syscall.AF_INET6, "", -1},
		{":: with IPV6_V6ONLY=1", syscall.AF_INET6, "", 1},
	}
	fmt.Printf("%-24s %-33s %s\n", "listener bound to",
		"client connects to 127.0.0.1", "client connects to ::1")
	for _, l := range listeners {
		fd, port, err := listen(l, 0)
		if err != nil {
			return err
		}
		to4 := connectTo(fd, "127.0.0.1", port)
		to6 := connectTo(fd, "::1", port)
		syscall.Close(fd)
		fmt.Printf("%-24s %-33s %s\n", l.label, to4, to6)
	}
	// endregion matrix

	// region both
	fmt.Println("\none port, an IPv4 and an IPv6 wildcard listener:")
	pairs := []listener{
		{":: (in6addr_any)", syscall.AF_INET6, "", -1},
		{":: with IPV6_V6ONLY=1", syscall.AF_INET6, "", 1},
	}
	for _, l := range pairs {
		fd4, port, err := listen(listeners[0], 0)
		if err != nil {
			return err
		}
		fd6, _, err := listen(l, port)
		result := "ok: both listen"
		if err != nil {
			result = describe(err)
		} else {
			syscall.Close(fd6)
		}
		syscall.Close(fd4)
		fmt.Printf("  0.0.0.0, then %-24s %s\n", l.label, result)
	}
	// endregion both

	// region golisten
	fmt.Println("\nGo's net.Listen:")
	for _, network := range []string{"tcp", "tcp4", "tcp6"} {
		ln, err := net.Listen(network, ":0")
		if err != nil {
			return err
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		var to []string
		for _, host := range []string{"127.0.0.1", "::1"} {
			c, err := net.Dial("tcp", net.JoinHostPort(host, port))
			if err != nil {
				to = append(to, host+" "+describe(err))
				continue
			}
			s, err := ln.Accept()
			if err != nil {
				c.Close()
				return err
			}
			peer, _, _ := net.SplitHostPort(s.RemoteAddr().String())
			to = append(to, host+" accepted (peer "+peer+")")
			s.Close()
			c.Close()
		}
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		ln.Close()
		fmt.Printf("  %-22s bound to %-8s %s\n",
			fmt.Sprintf("(%q, \":0\")", network), host,
			strings.Join(to, ", "))
	}
	// endregion golisten
	return nil
}

// region listen
// listen makes a listening socket as l says, on port (0: any).
func listen(l listener, port int) (int, int, error) {
	// C: fd = socket(AF_INET6, SOCK_STREAM, 0)
	fd, err := syscall.Socket(l.family, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, 0, os.NewSyscallError("socket", err)
	}
	var sa syscall.Sockaddr
	if l.family == syscall.AF_INET {
		// The zero address is INADDR_ANY: sin_addr.s_addr =
		// htonl(INADDR_ANY), all zero bits in any byte order.
		a := &syscall.SockaddrInet4{Port: port}
		if l.addr != "" {
			copy(a.Addr[:], net.ParseIP(l.addr).To4())
		}
		sa = a
	} else {
		// The zero address is in6addr_any, "::".
		a := &syscall.SockaddrInet6{Port: port}
		if l.addr != "" {
			copy(a.Addr[:], net.ParseIP(l.addr).To16())
		}
		sa = a
		if l.v6only >= 0 {
			// C: setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on)
			// Before bind: it decides which ports bind checks.
			err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6,
				syscall.IPV6_V6ONLY, l.v6only)
			if err != nil {
				syscall.Close(fd)
				return -1, 0, os.NewSyscallError("setsockopt", err)
			}
		}
	}
	// C: bind(fd, (struct sockaddr *)&addr, sizeof addr); listen(fd, 8)
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(fd, 8); err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("listen", err)
	}
	got, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("getsockname", err)
	}
	if a, ok := got.(*syscall.SockaddrInet4); ok {
		return fd, a.Port, nil
	}
	return fd, got.(*syscall.SockaddrInet6).Port, nil
}

// endregion listen

// connectTo connects to host:port and, when that works, accepts the
// connection on lfd and says who the server saw.
func connectTo(lfd int, host string, port int) string {
	family := syscall.AF_INET
	var sa syscall.Sockaddr
	if ip := net.ParseIP(host); ip.To4() != nil {
		a := &syscall.SockaddrInet4{Port: port}
		copy(a.Addr[:], ip.To4())
		sa = a
	} else {
		family = syscall.AF_INET6
		a := &syscall.SockaddrInet6{Port: port}
		copy(a.Addr[:], ip.To16())
		sa = a
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM, 0)
	if err != nil {
		return describe(os.NewSyscallError("socket", err))
	}
	defer syscall.Close(fd)
	if err := syscall.Connect(fd, sa); err != nil {
		return describe(os.NewSyscallError("connect", err))
	}
	// connect has returned: the connection waits in lfd's queue.
	cfd, peer, err := syscall.Accept(lfd)
	if err != nil {
		return describe(os.NewSyscallError("accept", err))
	}
	syscall.Close(cfd)
	var ip net.IP
	switch p := peer.(type) {
	case *syscall.SockaddrInet4:
		ip = net.IP(p.Addr[:])
	case *syscall.SockaddrInet6:
		ip = net.IP(p.Addr[:])
	}
	// net.IP prints ::ffff:127.0.0.1 as 127.0.0.1: show the 16
	// bytes of an IPv6 address as IPv6 text.
	text := ip.String()
	if len(ip) == net.IPv6len && ip.To4() != nil {
		text = "::ffff:" + ip.To4().String()
	}
	return "accepted (peer " + text + ")"
}

// describe names an error by its errno: "refused (ECONNREFUSED)".
func describe(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	names := map[syscall.Errno]string{
		syscall.ECONNREFUSED:  "refused (ECONNREFUSED)",
		syscall.EADDRINUSE:    "bind: EADDRINUSE",
		syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL",
	}
	if s, ok := names[errno]; ok {
		return s
	}
	return err.Error()
}
