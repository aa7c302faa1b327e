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
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sockstat: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
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
	var all []entry
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		t, err := parseTable(grepPort(string(b), port))
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
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
		if strings.HasPrefix(e.local, "[") {
			proto = "tcp6"
		}
		owner := owners[e.inode]
		if e.inode == 0 || owner == "" {
			owner = "-"
		}
		fmt.Printf("%-5s %-22s %-22s %-12s %s\n", proto, e.local,
			foreign(e.remote), e.state, owner)
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

// region states
// The kernel numbers the states in include/net/tcp_states.h and prints
// the number in hex in the "st" column of /proc/net/tcp.
var stateNames = map[int]string{
	1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
	5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
	9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "NEW_SYN_RECV",
}

// entry is one line of /proc/net/tcp or /proc/net/tcp6.
type entry struct {
	local, remote string // "127.0.0.1:5000", "[::1]:5000"
	state         string
	txQueue       uint64 // bytes sent but not yet acknowledged
	rxQueue       uint64 // bytes received but not yet read
	timer         int    // 3: TIME_WAIT timer, 4: zero window probe
	expires       time.Duration
	uid, inode    uint64 // inode 0: no descriptor owns it any more
}

// parseTable reads the text of /proc/net/tcp or /proc/net/tcp6.
func parseTable(text string) ([]entry, error) {
	var out []entry
	sc := bufio.NewScanner(strings.NewReader(text))
	for first := true; sc.Scan(); first = false {
		f := strings.Fields(sc.Text())
		if first || len(f) < 10 {
			continue // the header line
		}
		var e entry
		var err error
		if e.local, err = parseAddr(f[1]); err != nil {
			return nil, err
		}
		if e.remote, err = parseAddr(f[2]); err != nil {
			return nil, err
		}
		st, err := strconv.ParseUint(f[3], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("state %q: %w", f[3], err)
		}
		e.state = stateNames[int(st)]
		// tx_queue:rx_queue, then tr:tm->when in clock ticks (1/100 s).
		tx, rx, _ := strings.Cut(f[4], ":")
		e.txQueue, _ = strconv.ParseUint(tx, 16, 64)
		e.rxQueue, _ = strconv.ParseUint(rx, 16, 64)
		tr, when, _ := strings.Cut(f[5], ":")
		t, _ := strconv.ParseUint(tr, 16, 8)
		e.timer = int(t)
		ticks, _ := strconv.ParseUint(when, 16, 64)
		e.expires = time.Duration(ticks) * 10 * time.Millisecond
		e.uid, _ = strconv.ParseUint(f[7], 10, 64)
		e.inode, _ = strconv.ParseUint(f[9], 10, 64)
		out = append(out, e)
	}
	return out, sc.Err()
}

// parseAddr turns "0100007F:1F90" into "127.0.0.1:8080". The kernel
// prints each 32-bit word of the address as the CPU holds it in memory,
// so the bytes of a word come back in network order only after they are
// stored again in the machine's own byte order.
func parseAddr(s string) (string, error) {
	h, p, ok := strings.Cut(s, ":")
	if !ok || (len(h) != 8 && len(h) != 32) {
		return "", fmt.Errorf("bad address %q", s)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return "", fmt.Errorf("bad port in %q", s)
	}
	ip := make([]byte, len(h)/2)
	for i := 0; i < len(h); i += 8 {
		w, err := strconv.ParseUint(h[i:i+8], 16, 32)
		if err != nil {
			return "", fmt.Errorf("bad address %q", s)
		}
		binary.NativeEndian.PutUint32(ip[i/2:], uint32(w))
	}
	return joinHostPort(ip, int(port)), nil
}

// joinHostPort prints an address the way netstat and ss do.
func joinHostPort(ip []byte, port int) string {
	if len(ip) == 4 {
		return fmt.Sprintf("%d.%d.%d.%d:%d", ip[0], ip[1], ip[2], ip[3], port)
	}
	if string(ip[:12]) == "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff" {
		return fmt.Sprintf("[::ffff:%d.%d.%d.%d]:%d",
			ip[12], ip[13], ip[14], ip[15], port)
	}
	if string(ip) == strings.Repeat("\x00", 15)+"\x01" {
		return fmt.Sprintf("[::1]:%d", port)
	}
	if string(ip) == strings.Repeat("\x00", 16) {
		return fmt.Sprintf("[::]:%d", port)
	}
	var parts []string
	for i := 0; i < 16; i += 2 {
		parts = append(parts,
			strconv.FormatUint(uint64(binary.BigEndian.Uint16(ip[i:])), 16))
	}
	return fmt.Sprintf("[%s]:%d", strings.Join(parts, ":"), port)
}

// grepPort keeps the header line and the lines that mention port. The
// kernel prints ports as four hex digits after a colon, so a substring
// test skips most lines of a busy machine's table before any parsing.
func grepPort(text string, port int) string {
	hex := fmt.Sprintf(":%04X ", port)
	lines := strings.Split(text, "\n")
	keep := []string{lines[0]}
	for _, l := range lines[1:] {
		if strings.Contains(l, hex) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// endregion states

// portOf returns the port of "ip:port" or "[ip6]:port".
func portOf(addr string) int {
	i := strings.LastIndex(addr, ":")
	p, _ := strconv.Atoi(addr[i+1:])
	return p
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
func filterPort(t []entry, port int) []entry {
	var out []entry
	for _, e := range t {
		if portOf(e.local) == port || portOf(e.remote) == port {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ai, bi := portOf(a.local) == port, portOf(b.local) == port
		if ai != bi {
			return ai
		}
		if stateRank[a.state] != stateRank[b.state] {
			return stateRank[a.state] < stateRank[b.state]
		}
		if a.local != b.local {
			return a.local < b.local
		}
		return a.remote < b.remote
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
