// Unix-dgram shows local (Unix domain) datagram sockets: a server
// bound to a path name, a client that needs a name of its own to be
// answered, the reliability UDP does not have (a full receiver makes
// the sender wait instead of losing datagrams), and socketpair(2).
//
// Usage:
//
//	unix-dgram [PART...]
//
// Parts, in the order they run when none is named:
//
//	reply     a reply needs an address: bind a path, or autobind
//	full      a receiver that does not read: EAGAIN, nothing lost
//	pair      socketpair(AF_UNIX, SOCK_DGRAM): two sockets, no names
//
// The sockets' files live in a temporary directory that unix-dgram
// removes before it exits. An unknown part exits with status 2.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"
)

const usage = "usage: unix-dgram [reply|full|pair]..."

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "unix-dgram: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var names = []string{"reply", "full", "pair"}

func run(args []string) error {
	fs := flag.NewFlagSet("unix-dgram", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	parts := map[string]func(string) error{
		"reply": reply, "full": full, "pair": pair,
	}
	todo := fs.Args()
	for _, name := range todo {
		if parts[name] == nil {
			return &usageError{fmt.Sprintf("unknown part %q (want one of %s)",
				name, strings.Join(names, ", "))}
		}
	}
	if len(todo) == 0 {
		todo = names
	}
	dir, err := os.MkdirTemp("", "unix-dgram-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for i, name := range todo {
		if i > 0 {
			fmt.Println()
		}
		if err := parts[name](dir); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// dgram opens a Unix datagram socket bound to name ("" leaves it
// unbound). C: fd = socket(AF_UNIX, SOCK_DGRAM, 0); bind(...)
func dgram(name string) (int, error) {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if name != "" {
		if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: name}); err != nil {
			syscall.Close(fd)
			return -1, os.NewSyscallError("bind", err)
		}
	}
	return fd, nil
}

// show names an address for the output: its base name for a path, a
// pattern for an autobound name, "(unnamed)" for none.
func show(sa syscall.Sockaddr, dir string) string {
	u, ok := sa.(*syscall.SockaddrUnix)
	if !ok || u.Name == "" {
		return "(unnamed)"
	}
	if autobound.MatchString(u.Name) {
		return "@XXXXX (autobound)"
	}
	return strings.TrimPrefix(u.Name, dir+"/")
}

// autobound matches the names the kernel makes up: @ and 5 hex digits.
var autobound = regexp.MustCompile(`^@[0-9a-f]{5}$`)

// errName names an errno as C does, for the output.
func errName(err error) string {
	if err == nil {
		return "ok"
	}
	if se, ok := err.(*os.SyscallError); ok {
		err = se.Err
	}
	names := map[syscall.Errno]string{
		syscall.EAGAIN: "EAGAIN", syscall.ENOTCONN: "ENOTCONN",
		syscall.EINVAL: "EINVAL",
	}
	if e, ok := err.(syscall.Errno); ok && names[e] != "" {
		return e.Error() + " (" + names[e] + ")"
	}
	return err.Error()
}

// region reply
func reply(dir string) error {
	srvPath := dir + "/server.sock"
	srv, err := dgram(srvPath)
	if err != nil {
		return err
	}
	defer syscall.Close(srv)
	to := &syscall.SockaddrUnix{Name: srvPath}
	buf := make([]byte, 64)

	// echoOnce is the server's loop body: recvfrom, then sendto the
	// address recvfrom reported.
	echoOnce := func() {
		n, from, err := syscall.Recvfrom(srv, buf, 0)
		if err != nil {
			fmt.Printf("  server: recvfrom: %s\n", errName(err))
			return
		}
		fmt.Printf("  server: %q from %s\n", buf[:n], show(from, dir))
		err = syscall.Sendto(srv, buf[:n], 0, from)
		fmt.Printf("  server: sendto that address: %s\n", errName(err))
	}

	for _, c := range []struct{ what, name string }{
		{"a client that never binds", ""},
		{"a client bound to client.sock", dir + "/client.sock"},
		{"a client bound to an empty address (autobind)", "autobind"},
	} {
		fmt.Println(c.what + ":")
		name := c.name
		if name == "autobind" {
			name = ""
		}
		cli, err := dgram(name)
		if err != nil {
			return err
		}
		if c.name == "autobind" {
			// C: struct sockaddr_un a = {AF_UNIX};
			//    bind(fd, (struct sockaddr *)&a, sizeof(sa_family_t))
			// The kernel picks a free abstract name (unix(7)).
			err := syscall.Bind(cli, &syscall.SockaddrUnix{})
			if err != nil {
				syscall.Close(cli)
				return os.NewSyscallError("bind", err)
			}
		}
		// C: sendto(cli, "ping", 4, 0, (struct sockaddr *)&srv, len)
		if err := syscall.Sendto(cli, []byte("ping"), 0, to); err != nil {
			syscall.Close(cli)
			return os.NewSyscallError("sendto", err)
		}
		echoOnce()
		n, _, err := syscall.Recvfrom(cli, buf, syscall.MSG_DONTWAIT)
		if err == nil {
			fmt.Printf("  client: got %q back\n", buf[:n])
		} else {
			fmt.Printf("  client: recvfrom: %s\n", errName(err))
		}
		syscall.Close(cli)
		if c.name != "" && c.name != "autobind" {
			os.Remove(c.name)
		}
	}
	return nil
}

// endregion reply

// region full
func full(dir string) error {
	path := dir + "/slow.sock"
	rx, err := dgram(path)
	if err != nil {
		return err
	}
	defer syscall.Close(rx)
	tx, err := dgram("")
	if err != nil {
		return err
	}
	defer syscall.Close(tx)
	qlen, _ := os.ReadFile("/proc/sys/net/unix/max_dgram_qlen")
	fmt.Printf("net.unix.max_dgram_qlen: %s\n", strings.TrimSpace(string(qlen)))

	// Non-blocking sends to a receiver that reads nothing yet. A
	// blocking sendto would wait here for room instead.
	to := &syscall.SockaddrUnix{Name: path}
	sent, msg := 0, make([]byte, 64)
	var stop error
	for i := 1; i <= 1000; i++ {
		binary.BigEndian.PutUint32(msg, uint32(i))
		err := syscall.Sendto(tx, msg, syscall.MSG_DONTWAIT, to)
		if err != nil {
			stop = err
			break
		}
		sent++
	}
	fmt.Printf("sendto with MSG_DONTWAIT: %d sent, then %s\n", sent, errName(stop))

	got, inOrder := 0, true
	buf := make([]byte, 64)
	for {
		n, _, err := syscall.Recvfrom(rx, buf, syscall.MSG_DONTWAIT)
		if err != nil {
			break
		}
		got++
		if int(binary.BigEndian.Uint32(buf[:n])) != got {
			inOrder = false
		}
	}
	fmt.Printf("the receiver reads: %d datagrams, in order: %v, lost: %d\n",
		got, inOrder, sent-got)
	return nil
}

// endregion full

// region pair
func pair(_ string) error {
	// C: int sv[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)
	// Two sockets already connected to each other, with no name:
	// only this process, and the children it gives them to, can use
	// them.
	sv, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return os.NewSyscallError("socketpair", err)
	}
	defer syscall.Close(sv[0])
	defer syscall.Close(sv[1])
	for _, m := range []string{"first", "", "third"} {
		if _, err := syscall.Write(sv[0], []byte(m)); err != nil {
			return os.NewSyscallError("write", err)
		}
	}
	buf := make([]byte, 64)
	for i := 0; i < 3; i++ {
		n, err := syscall.Read(sv[1], buf)
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		fmt.Printf("sv[1] read %d: %d bytes %q\n", i+1, n, buf[:n])
	}
	if _, err := syscall.Write(sv[1], []byte("back")); err != nil {
		return os.NewSyscallError("write", err)
	}
	n, err := syscall.Read(sv[0], buf)
	if err != nil {
		return os.NewSyscallError("read", err)
	}
	fmt.Printf("sv[0] read: %q (both ways)\n", buf[:n])
	cred, err := syscall.GetsockoptUcred(sv[0], syscall.SOL_SOCKET,
		syscall.SO_PEERCRED)
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	fmt.Printf("SO_PEERCRED on sv[0]: pid is ours: %v\n",
		int(cred.Pid) == os.Getpid())
	return nil
}

// endregion pair
