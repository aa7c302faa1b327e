// Package procnet reads the kernel's tables of TCP sockets,
// /proc/net/tcp and /proc/net/tcp6: the text files that netstat reads,
// one line per socket with its addresses, state, queues and timer.
//
// It is the reader behind the tcp-states, half-close, reuseport and
// sockstat programs of chapter 4. Parse turns the text of a table into
// entries; ReadPort reads a table and parses only the lines that
// mention one port, which keeps a poll cheap on a busy machine whose
// table has thousands of lines. Addresses come back as strings in the
// form netstat and ss print them: "127.0.0.1:8080", "[::1]:8080".
//
// The package is interpreted by the notebook runner (yaegi) as well as
// compiled, so it sticks to what both run the same way.
package procnet

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The kernel's tables: IPv4 sockets in TCP4, IPv6 ones in TCP6.
const (
	TCP4 = "/proc/net/tcp"
	TCP6 = "/proc/net/tcp6"
)

// region parse
// StateNames maps the state numbers of include/net/tcp_states.h, which
// the kernel prints in hex in the "st" column, to their names.
var StateNames = map[int]string{
	1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
	5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
	9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "NEW_SYN_RECV",
}

// The timers of the "tr" column.
const (
	TimerNone      = 0 // no timer runs
	TimerRetrans   = 1 // retransmission (or tail loss probe)
	TimerKeepalive = 2 // keepalive, or an orphan's FIN_WAIT2 timer
	TimerTimeWait  = 3 // the TIME_WAIT timer
	TimerProbe     = 4 // zero window probe: the peer's window is 0
)

// Entry is one line of /proc/net/tcp or /proc/net/tcp6.
type Entry struct {
	Local, Remote string // "127.0.0.1:5000", "[::1]:5000"
	State         string // a name from StateNames
	TxQueue       uint64 // bytes sent but not yet acknowledged
	RxQueue       uint64 // bytes received but not yet read
	Timer         int    // TimerNone, TimerTimeWait, ...
	Expires       time.Duration
	UID, Inode    uint64 // inode 0: no descriptor owns it any more
}

// Parse reads the text of /proc/net/tcp or /proc/net/tcp6.
func Parse(text string) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(strings.NewReader(text))
	for first := true; sc.Scan(); first = false {
		f := strings.Fields(sc.Text())
		if first || len(f) < 10 {
			continue // the header line
		}
		var e Entry
		var err error
		if e.Local, err = ParseAddr(f[1]); err != nil {
			return nil, err
		}
		if e.Remote, err = ParseAddr(f[2]); err != nil {
			return nil, err
		}
		st, err := strconv.ParseUint(f[3], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("state %q: %w", f[3], err)
		}
		e.State = StateNames[int(st)]
		// tx_queue:rx_queue, then tr:tm->when in clock ticks (1/100 s).
		tx, rx, _ := strings.Cut(f[4], ":")
		e.TxQueue, _ = strconv.ParseUint(tx, 16, 64)
		e.RxQueue, _ = strconv.ParseUint(rx, 16, 64)
		tr, when, _ := strings.Cut(f[5], ":")
		t, _ := strconv.ParseUint(tr, 16, 8)
		e.Timer = int(t)
		ticks, _ := strconv.ParseUint(when, 16, 64)
		e.Expires = time.Duration(ticks) * 10 * time.Millisecond
		e.UID, _ = strconv.ParseUint(f[7], 10, 64)
		e.Inode, _ = strconv.ParseUint(f[9], 10, 64)
		out = append(out, e)
	}
	return out, sc.Err()
}

// ParseAddr turns "0100007F:1F90" into "127.0.0.1:8080". The kernel
// prints each 32-bit word of the address as the CPU holds it in memory,
// so the bytes of a word come back in network order only after they are
// stored again in the machine's own byte order.
func ParseAddr(s string) (string, error) {
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

// ReadPort reads the table at path (TCP4 or TCP6) and parses the lines
// that mention port, as a local or a remote port.
func ReadPort(path string, port int) ([]Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(GrepPort(string(b), port))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Dedup(t), nil
}

// Dedup drops repeated rows. The kernel writes a large table in pieces,
// one per read, and walks its hash table again for each; when sockets
// come and go in between (a busy machine), a socket can be printed
// twice. The same connection and owner is the same socket (listeners
// sharing a port by SO_REUSEPORT differ by inode).
func Dedup(t []Entry) []Entry {
	seen := map[string]bool{}
	var out []Entry
	for _, e := range t {
		k := e.Local + " " + e.Remote + " " + e.State + " " +
			fmt.Sprint(e.Inode)
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// GrepPort keeps the header line and the lines that mention port. The
// kernel prints ports as four hex digits after a colon, so a substring
// search skips most lines of a busy machine's table before any parsing;
// it jumps from match to match instead of testing every line, which
// matters most under the interpreter.
func GrepPort(text string, port int) string {
	hex := fmt.Sprintf(":%04X ", port)
	nl := strings.IndexByte(text, '\n')
	if nl < 0 {
		return text
	}
	var b strings.Builder
	b.WriteString(text[:nl+1])
	rest := text[nl+1:]
	for {
		i := strings.Index(rest, hex)
		if i < 0 {
			break
		}
		start := strings.LastIndexByte(rest[:i], '\n') + 1
		end := len(rest)
		if j := strings.IndexByte(rest[i:], '\n'); j >= 0 {
			end = i + j + 1
		}
		b.WriteString(rest[start:end])
		rest = rest[end:]
	}
	return b.String()
}

// PortOf returns the port of "ip:port" or "[ip6]:port".
func PortOf(addr string) int {
	i := strings.LastIndex(addr, ":")
	p, _ := strconv.Atoi(addr[i+1:])
	return p
}

// endregion parse
