// handshake traces one TCP connection from the wire: it captures the lo
// interface with a raw AF_PACKET socket, opens a listener and a
// connection on loopback, sends a few bytes each way, closes both ends,
// and prints every TCP segment of that connection, then a ladder diagram.
//
// Sequence and acknowledgement numbers are relative to each side's
// initial sequence number (ISN), as Wireshark shows them, and windows are
// scaled by the window-scale option once the SYNs are done.
//
// Capturing needs CAP_NET_RAW (root). Without it, handshake says so in
// one line and prints a trace recorded earlier from a real run
// (testdata/handshake.pcap), marked as recorded.
//
// Usage:
//
//	handshake [-6] [-merge | -rst] [-pcap FILE]
//	handshake -recorded [-merge | -rst]
//	handshake -replay FILE
//
// Flags:
//
//	-6         use ::1 instead of 127.0.0.1
//	-merge     let the server close at once, so its FIN rides with its
//	           ACK of the client's FIN (three segments instead of four)
//	-rst       let the server close without reading what the client
//	           sent: close(2) then sends RST, not FIN
//	-pcap F    also write the captured frames to F, a pcap file that
//	           Wireshark and tcpdump open (this is how the recording in
//	           testdata was made)
//	-recorded  show the recorded trace even when capturing is allowed
//	           (with -merge or -rst: the recording of such a run)
//	-replay F  show the trace in the pcap file F instead of capturing
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tcpnotebook/tcpnotebook/chapters/chapter04/tcphdr"
)

// How the server ends the connection.
type closeMode int

const (
	closeFour  closeMode = iota // ACK the client's FIN, then send its own
	closeMerge                  // close at once: FIN rides with the ACK
	closeRST                    // close with unread data: RST
)

// recordings are the traces shown when the program cannot capture,
// recorded from real runs with -pcap, one per close mode.
var recordings = []string{
	closeFour:  "testdata/handshake.pcap",
	closeMerge: "testdata/handshake-merge.pcap",
	closeRST:   "testdata/handshake-rst.pcap",
}

// frame is one captured link-layer frame and when it was read.
type frame struct {
	when time.Time
	data []byte
}

// usageError marks a bad command line: main exits 2 for it.
// yaegi: run returns it unwrapped, for a pointer type assertion in
// main; errors.As does not find a type declared in the interpreted
// program.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "handshake: error: %v\n", err)
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("handshake", flag.ContinueOnError)
	v6 := fs.Bool("6", false, "use ::1 instead of 127.0.0.1")
	merge := fs.Bool("merge", false, "let the server close at once")
	rst := fs.Bool("rst", false, "let the server close without reading")
	pcapOut := fs.String("pcap", "", "write the captured frames to `file`")
	recorded := fs.Bool("recorded", false, "show the recorded trace")
	replay := fs.String("replay", "", "show the trace in pcap `file`")
	// Errors are reported once, in one line, by main; -h prints the
	// usage on standard output and is not an error.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err == flag.ErrHelp {
		fs.SetOutput(os.Stdout)
		fs.Usage()
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return &usageError{"unexpected argument " + fs.Arg(0)}
	}
	mode := closeFour
	switch {
	case *merge && *rst:
		return &usageError{"-merge and -rst exclude each other"}
	case *merge:
		mode = closeMerge
	case *rst:
		mode = closeRST
	}
	if *replay != "" {
		return showRecorded(out, *replay)
	}
	if *recorded {
		return showRecorded(out, recordings[mode])
	}

	host := "127.0.0.1"
	if *v6 {
		host = "::1"
	}
	frames, err := traceConnection(host, mode)
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		// An ordinary user may not open a packet socket. Say why in one
		// line, then fall back to the recording.
		fmt.Fprintf(os.Stderr, "handshake: cannot capture without "+
			"CAP_NET_RAW (%v); showing a recorded trace\n", err)
		return showRecorded(out, recordings[mode])
	}
	if err != nil {
		return err
	}
	if *pcapOut != "" {
		if err := writePcap(*pcapOut, frames); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "trace: live, captured on lo")
	if err := render(out, frames); err != nil {
		return err
	}
	if mode == closeRST {
		// client() has checked that its read failed this way.
		fmt.Fprintln(out, "\nclient: read: connection reset by peer "+
			"(ECONNRESET)")
	}
	return nil
}

// traceConnection runs a small client and server on host while a
// goroutine captures, and returns the frames of their connection.
func traceConnection(host string, mode closeMode) ([]frame, error) {
	// The listener comes first: its port is what the capture filters
	// on. No segment moves before the client connects.
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	sock, err := tcphdr.OpenLoopback(port)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(sock)

	// The capture runs until both FINs are acknowledged, or an RST
	// goes by, or 5 s have passed.
	acked := make(chan struct{}) // the server has ACKed the client's FIN
	captured := make(chan []frame, 1)
	capErr := make(chan error, 1)
	go func() {
		fr, err := capture(sock, port, acked, time.Now().Add(5*time.Second))
		captured <- fr
		capErr <- err
	}()

	srvErr := make(chan error, 1)
	go func() { srvErr <- serve(ln, acked, mode) }()

	if err := client(ln.Addr().String(), mode); err != nil {
		return nil, err
	}
	if err := <-srvErr; err != nil {
		return nil, err
	}
	frames := <-captured
	// yaegi: two statements, not "return frames, <-capErr": v0.16.1
	// panics on a receive inside a multi-value return.
	err = <-capErr
	return frames, err
}

// client connects, sends "ping\n", reads the reply and closes first.
// Against a server that resets the connection, the read must fail.
func client(addr string, mode closeMode) error {
	// connect(2) returns once the three-way handshake is done.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	// Every wait below ends with an error after 5 s rather than hang.
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return err
	}
	buf := make([]byte, 5)
	_, err = io.ReadFull(c, buf)
	if mode == closeRST {
		if !errors.Is(err, syscall.ECONNRESET) {
			return fmt.Errorf("client read: %v, want a reset", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("client read: %w", err)
	}
	// close(2) sends the first FIN: the client is the active closer.
	return c.Close()
}

// serve accepts one connection and, in the default mode, answers
// "pong\n" and closes after the client has, first making sure its ACK
// of the client's FIN is on the wire, so that its own FIN is a segment
// of its own: the four-segment close of the textbooks.
func serve(ln net.Listener, acked <-chan struct{}, mode closeMode) error {
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return err
	}
	// region rst
	if mode == closeRST {
		// Wait until "ping\n" has arrived, without reading it: peek
		// at the queue (MSG_PEEK leaves the bytes there), and while it
		// is empty (EAGAIN) let the runtime wait for readability.
		peek := make([]byte, 1)
		var perr error
		err := rc.Read(func(fd uintptr) bool {
			_, _, perr = syscall.Recvfrom(int(fd), peek,
				syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			return perr != syscall.EAGAIN
		})
		if err != nil {
			return err
		}
		if perr != nil {
			return os.NewSyscallError("recvfrom", perr)
		}
		// close(2) on a socket with unread data sends RST (RFC 2525).
		return c.Close()
	}
	// endregion rst
	buf := make([]byte, 64)
	if _, err := io.ReadFull(c, buf[:5]); err != nil {
		return fmt.Errorf("server read: %w", err)
	}
	if _, err := c.Write([]byte("pong\n")); err != nil {
		return err
	}
	// read(2) returns 0 (io.EOF in Go): the client's FIN has arrived.
	if n, err := c.Read(buf); err != io.EOF {
		return fmt.Errorf("server: want EOF, got %d bytes, %v", n, err)
	}
	// region close
	if mode == closeMerge {
		return c.Close()
	}
	// The kernel delays the ACK of a FIN, hoping to merge it with data
	// or with our own FIN. TCP_QUICKACK asks it to send the ACK now.
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP,
			syscall.TCP_QUICKACK, 1)
	})
	if err != nil {
		return err
	}
	if serr != nil {
		return os.NewSyscallError("setsockopt", serr)
	}
	// Wait until the capture has seen that ACK leave, then close.
	select {
	case <-acked:
	case <-time.After(5 * time.Second):
		return errors.New("server: ACK of the client's FIN not seen")
	}
	return c.Close()
}

// endregion close

// capture reads frames from the packet socket until the connection to
// port has closed in both directions or been reset, or until the
// deadline. It closes acked when the server's ACK of the client's FIN
// goes by.
func capture(sock int, port uint16, acked chan struct{},
	deadline time.Time) ([]frame, error) {
	var frames []frame
	var finSeq [2]uint32 // the FIN's sequence number, per direction
	var finSeen [2]bool  // 0: towards the server, 1: towards the client
	var finAcked [2]bool // the other side acknowledged that FIN
	ackedClosed := false
	buf := make([]byte, 1<<17)
	for time.Now().Before(deadline) {
		// Step 4: recvfrom(2). C: recvfrom(fd, buf, len, 0, &sll, &slen)
		// The address says which way the frame went.
		n, from, err := syscall.Recvfrom(sock, buf, 0)
		if err == syscall.EAGAIN || err == syscall.EINTR {
			continue
		}
		if err != nil {
			return frames, os.NewSyscallError("recvfrom", err)
		}
		// region twice
		// On lo every frame is seen twice: once going out, once coming
		// in. Keep the incoming copy.
		if ll, ok := from.(*syscall.SockaddrLinklayer); ok &&
			ll.Pkttype == tcphdr.PacketOutgoing {
			continue
		}
		// endregion twice
		seg, err := tcphdr.ParseFrame(buf[:n])
		if err != nil {
			continue // not TCP, or not for us
		}
		dir := -1
		if seg.TCP.DstPort == port {
			dir = 0
		} else if seg.TCP.SrcPort == port {
			dir = 1
		}
		if dir < 0 {
			continue
		}
		data := make([]byte, n)
		copy(data, buf[:n])
		frames = append(frames, frame{when: time.Now(), data: data})

		h := seg.TCP
		if h.Flags&tcphdr.FIN != 0 {
			finSeen[dir] = true
			finSeq[dir] = h.Seq + uint32(len(seg.Payload))
		}
		other := 1 - dir
		if h.Flags&tcphdr.ACK != 0 && finSeen[other] &&
			h.Ack == finSeq[other]+1 {
			finAcked[other] = true
		}
		if finAcked[0] && !ackedClosed {
			ackedClosed = true
			close(acked)
		}
		if finAcked[0] && finAcked[1] || h.Flags&tcphdr.RST != 0 {
			return frames, nil
		}
	}
	return frames, errors.New("capture: connection not closed in 5 s")
}

// render prints the segment table and the ladder diagram.
func render(out io.Writer, frames []frame) error {
	segs, err := decodeAll(frames)
	if err != nil {
		return err
	}
	t, err := newTrace(segs)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "client %s  server %s\n\n", t.client, t.server)
	t.table(out)
	fmt.Fprintln(out)
	t.ladder(out)
	return nil
}

func decodeAll(frames []frame) ([]tcphdr.Segment, error) {
	var segs []tcphdr.Segment
	for _, f := range frames {
		s, err := tcphdr.ParseFrame(f.data)
		if errors.Is(err, tcphdr.ErrNotTCP) {
			continue
		}
		if err != nil {
			return nil, err
		}
		segs = append(segs, s)
	}
	return segs, nil
}

// trace is a connection seen from the wire, with what it takes to make
// its numbers relative and its windows scaled.
type trace struct {
	segs           []tcphdr.Segment
	client, server string
	isn            [2]uint32 // client's ISN, server's ISN
	shift          [2]int    // window scale each side announced
}

// newTrace finds the client (the sender of the SYN without ACK) and both
// initial sequence numbers.
func newTrace(segs []tcphdr.Segment) (*trace, error) {
	t := &trace{segs: segs}
	var seenSYN, seenSYNACK bool
	for _, s := range segs {
		h := s.TCP
		switch {
		case h.Flags&tcphdr.SYN != 0 && h.Flags&tcphdr.ACK == 0:
			t.client, t.server = s.Src().String(), s.Dst().String()
			t.isn[0], t.shift[0], seenSYN = h.Seq, h.WScale, true
		case h.Flags&tcphdr.SYN != 0:
			t.isn[1], t.shift[1], seenSYNACK = h.Seq, h.WScale, true
		}
	}
	if !seenSYN || !seenSYNACK {
		return nil, errors.New("trace: no SYN and SYN,ACK captured")
	}
	// Window scaling is on only if both SYNs carry the option.
	if t.shift[0] < 0 || t.shift[1] < 0 {
		t.shift = [2]int{0, 0}
	}
	return t, nil
}

// row is one segment with relative numbers.
type row struct {
	toServer bool
	flags    string
	seq, ack uint32
	hasAck   bool
	win      int
	length   int
	opts     string
	payload  []byte
}

func (t *trace) row(s tcphdr.Segment) row {
	h := s.TCP
	d := 1 // 0: client to server, 1: server to client
	if s.Src().String() == t.client {
		d = 0
	}
	r := row{
		toServer: d == 0,
		flags:    h.Flags.String(),
		seq:      h.Seq - t.isn[d],
		hasAck:   h.Flags&tcphdr.ACK != 0,
		length:   len(s.Payload),
		opts:     h.OptionString(),
		payload:  s.Payload,
	}
	if r.hasAck {
		r.ack = h.Ack - t.isn[1-d]
	}
	// region scale
	// The window field of a SYN is never scaled; after it, the field
	// is shifted left by the count its sender announced.
	r.win = int(h.Window)
	if h.Flags&tcphdr.SYN == 0 {
		r.win <<= uint(t.shift[d])
	}
	// endregion scale
	return r
}

// table prints one line per segment.
func (t *trace) table(out io.Writer) {
	fmt.Fprintf(out, "%3s  %-3s  %-11s %5s %5s %7s %4s  %s\n",
		"#", "dir", "flags", "seq", "ack", "win", "len", "options")
	for i, s := range t.segs {
		r := t.row(s)
		dir := "C>S"
		if !r.toServer {
			dir = "S>C"
		}
		ack := "-"
		if r.hasAck {
			ack = fmt.Sprint(r.ack)
		}
		extra := r.opts
		if r.length > 0 {
			extra = strings.TrimSpace(fmt.Sprintf("%s %q", extra,
				r.payload))
		}
		fmt.Fprintf(out, "%3d  %-3s  %-11s %5d %5s %7d %4d  %s\n",
			i+1, dir, r.flags, r.seq, ack, r.win, r.length, extra)
	}
}

// ladder draws the exchange as arrows between a client and a server
// column, one label above each arrow.
func (t *trace) ladder(out io.Writer) {
	const width = 46 // inner width between the two columns
	fmt.Fprintf(out, "%-8s%*s\n", "client", width-2, "server")
	for i, s := range t.segs {
		r := t.row(s)
		label := fmt.Sprintf("%d %s seq=%d", i+1, r.flags, r.seq)
		if r.hasAck {
			label += fmt.Sprintf(" ack=%d", r.ack)
		}
		if r.length > 0 {
			label += fmt.Sprintf(" len=%d", r.length)
		}
		fmt.Fprintf(out, "   |  %-*s|\n", width-2, label)
		line := strings.Repeat("-", width-1)
		if r.toServer {
			fmt.Fprintf(out, "   |%s>|\n", line)
		} else {
			fmt.Fprintf(out, "   |<%s|\n", line)
		}
	}
}

// showRecorded prints a trace read from a pcap file: name itself when
// it exists, else a recording in testdata found by findRecorded.
func showRecorded(out io.Writer, name string) error {
	path := name
	if _, err := os.Stat(name); err != nil && strings.HasPrefix(name,
		"testdata/") {
		if path, err = findRecorded(name); err != nil {
			return err
		}
	}
	frames, err := readPcap(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "trace: recorded (%s), not captured now\n", name)
	return render(out, frames)
}

// findRecorded looks for a recording: in the program's directory when
// the notebook runner plays it (the runner names that directory in
// NOTEBOOK_PROGRAM), else from the current directory upwards, so that
// it is found from the repository, the chapter or the program's own
// directory.
func findRecorded(rel string) (string, error) {
	if dir := os.Getenv("NOTEBOOK_PROGRAM"); dir != "" {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		for _, sub := range []string{
			rel,
			filepath.Join("handshake", rel),
			filepath.Join("chapters", "chapter04", "handshake", rel),
		} {
			p := filepath.Join(dir, sub)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("recorded trace " + rel +
				" not found; run from the repository")
		}
		dir = parent
	}
}

// The pcap file format: a 24-byte file header, then per frame a 16-byte
// record header (seconds, microseconds, stored length, original length)
// and the frame. Integers are in the writer's byte order; the magic
// number tells the reader which.
const (
	pcapMagic    = 0xa1b2c3d4
	linkEthernet = 1 // LINKTYPE_ETHERNET: lo frames have a 14-byte header
	snapLen      = 262144
)

func writePcap(name string, frames []frame) error {
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], pcapMagic)
	le.PutUint16(hdr[4:], 2) // version 2.4
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], snapLen)
	le.PutUint32(hdr[20:], linkEthernet)
	b.Write(hdr)
	for _, f := range frames {
		rec := make([]byte, 16)
		le.PutUint32(rec[0:], uint32(f.when.Unix()))
		le.PutUint32(rec[4:], uint32(f.when.Nanosecond()/1000))
		le.PutUint32(rec[8:], uint32(len(f.data)))
		le.PutUint32(rec[12:], uint32(len(f.data)))
		b.Write(rec)
		b.Write(f.data)
	}
	return os.WriteFile(name, b.Bytes(), 0o644)
}

func readPcap(name string) ([]frame, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if len(data) < 24 {
		return nil, fmt.Errorf("%s: not a pcap file", name)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch {
	case binary.LittleEndian.Uint32(data) == pcapMagic:
	case binary.BigEndian.Uint32(data) == pcapMagic:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("%s: not a pcap file", name)
	}
	if lt := bo.Uint32(data[20:]); lt != linkEthernet {
		return nil, fmt.Errorf("%s: link type %d, want Ethernet", name, lt)
	}
	var frames []frame
	for p := data[24:]; len(p) > 0; {
		if len(p) < 16 {
			return nil, fmt.Errorf("%s: truncated record", name)
		}
		sec, usec := bo.Uint32(p[0:]), bo.Uint32(p[4:])
		n := int(bo.Uint32(p[8:]))
		if n > len(p)-16 {
			return nil, fmt.Errorf("%s: truncated frame", name)
		}
		when := time.Unix(int64(sec), int64(usec)*1000)
		frames = append(frames, frame{when: when, data: p[16 : 16+n]})
		p = p[16+n:]
	}
	return frames, nil
}
