// sockstat lists the TCP sockets that use one port, with their state,
// both addresses and the process that owns them: the lines that
// `netstat -anp | grep PORT` prints, read straight from /proc.
//
// Usage:
//
//	sockstat <port>
//
// A socket that no descriptor refers to any more (TIME_WAIT, or an
// orphan such as FIN_WAIT2 after its process closed it) has no owner;
// it is shown as "-". Without root, sockets of other users' processes
// show "-" too, as in netstat.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tcpnotebook/tcpnotebook/internal/procnet"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sockstat: error: %v\n", err)
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
	if len(args) != 1 {
		return &usageError{"usage: sockstat <port>"}
	}
	port, err := strconv.Atoi(args[0])
	if err != nil || port < 0 || port > 65535 {
		return &usageError{fmt.Sprintf("bad port %q: want 0-65535",
			args[0])}
	}
	var all []procnet.Entry
	for _, f := range []string{procnet.TCP4, procnet.TCP6} {
		t, err := procnet.ReadPort(f, port)
		if err != nil {
			return err
		}
		all = append(all, t...)
	}
	rows := filterPort(all, port)
	owners := socketOwners()
	fmt.Printf("%-5s %-22s %-22s %-12s %s\n",
		"Proto", "Local Address", "Foreign Address", "State",
		"PID/Program name")
	for _, e := range rows {
		proto := "tcp"
		if strings.HasPrefix(e.Local, "[") {
			proto = "tcp6"
		}
		owner := owners[e.Inode]
		if e.Inode == 0 || owner == "" {
			owner = "-"
		}
		fmt.Printf("%-5s %-22s %-22s %-12s %s\n", proto, e.Local,
			foreign(e.Remote), e.State, owner)
	}
	return nil
}

// foreign prints a listener's unset peer the way netstat does.
func foreign(addr string) string {
	switch addr {
	case "0.0.0.0:0":
		return "0.0.0.0:*"
	case "[::]:0":
		return "[::]:*"
	}
	return addr
}

// stateRank orders rows as a reader expects: listeners first, then the
// connection's life from its start to its end.
var stateRank = map[string]int{
	"LISTEN": 0, "SYN_SENT": 1, "SYN_RECV": 2, "NEW_SYN_RECV": 2,
	"ESTABLISHED": 3, "FIN_WAIT1": 4, "FIN_WAIT2": 5, "CLOSE_WAIT": 6,
	"CLOSING": 7, "LAST_ACK": 8, "TIME_WAIT": 9, "CLOSE": 10,
}

// filterPort keeps the rows whose local or remote port is port, in a
// fixed order: the sockets bound to the port first, each group by
// state, then by address. The kernel's own order is its hash order.
func filterPort(t []procnet.Entry, port int) []procnet.Entry {
	var out []procnet.Entry
	for _, e := range t {
		if procnet.PortOf(e.Local) == port ||
			procnet.PortOf(e.Remote) == port {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ai := procnet.PortOf(a.Local) == port
		bi := procnet.PortOf(b.Local) == port
		if ai != bi {
			return ai
		}
		if stateRank[a.State] != stateRank[b.State] {
			return stateRank[a.State] < stateRank[b.State]
		}
		if a.Local != b.Local {
			return a.Local < b.Local
		}
		return a.Remote < b.Remote
	})
	return out
}

// socketOwners maps socket inodes to "PID/name", the way netstat -p
// finds them: every open descriptor of every process is a link in
// /proc/PID/fd, and a socket's link reads "socket:[INODE]".
func socketOwners() map[uint64]string {
	owners := map[uint64]string{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/fd")
	for _, dir := range dirs {
		pid := filepath.Base(filepath.Dir(dir))
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue // another user's process, or it just exited
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", pid, "comm"))
		name := pid + "/" + strings.TrimSpace(string(comm))
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(dir, fd.Name()))
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			ino, err := strconv.ParseUint(
				strings.TrimSuffix(link[8:], "]"), 10, 64)
			if err == nil && owners[ino] == "" {
				owners[ino] = name
			}
		}
	}
	return owners
}
