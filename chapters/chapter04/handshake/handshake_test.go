package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tcpnotebook/tcpnotebook/chapters/chapter04/tcphdr"
)

// TestMain lets a test run the program's main in a child process (the
// test binary itself), so that it can be started with fewer privileges.
func TestMain(m *testing.M) {
	if os.Getenv("HANDSHAKE_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// canCapture reports whether this process may open a packet socket.
func canCapture() bool {
	fd, err := tcphdr.OpenLoopback(1)
	if err != nil {
		return false
	}
	syscall.Close(fd)
	return true
}

// checkTrace asserts the shape of a traced connection: the handshake,
// one data segment each way, and a close in both directions, with
// relative numbers that follow from one another. It returns the flags
// of each segment, in order.
func checkTrace(t *testing.T, frames []frame) []string {
	t.Helper()
	segs, err := decodeAll(frames)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := newTrace(segs)
	if err != nil {
		t.Fatal(err)
	}
	// next[d] is the next relative sequence number side d will use:
	// SYN and FIN each count as one, data bytes one each.
	var next [2]uint32
	var flags []string
	var data [2]int
	var fins [2]int
	for i, s := range segs {
		r := tr.row(s)
		d := 1
		if r.toServer {
			d = 0
		}
		flags = append(flags, r.flags)
		if r.seq != next[d] {
			t.Errorf("segment %d: seq %d, want %d", i+1, r.seq, next[d])
		}
		next[d] = r.seq + uint32(r.length)
		if strings.Contains(r.flags, "SYN") {
			next[d]++
		}
		if strings.Contains(r.flags, "FIN") {
			next[d]++
			fins[d]++
		}
		data[d] += r.length
		// An ACK never acknowledges more than the other side sent.
		if r.hasAck && r.ack > next[1-d] {
			t.Errorf("segment %d: ack %d beyond %d", i+1, r.ack,
				next[1-d])
		}
		if i > 2 && r.win <= 0 {
			t.Errorf("segment %d: window %d", i+1, r.win)
		}
	}
	if len(flags) < 3 || flags[0] != "SYN" || flags[1] != "SYN,ACK" ||
		flags[2] != "ACK" {
		t.Errorf("handshake: %v", flags)
	}
	if data != [2]int{5, 5} {
		t.Errorf("payload bytes per direction %v, want [5 5]", data)
	}
	if fins != [2]int{1, 1} {
		t.Errorf("FINs per direction %v, want [1 1]", fins)
	}
	// The last segment acknowledges the server's FIN.
	last := tr.row(segs[len(segs)-1])
	if !last.toServer || last.flags != "ACK" || last.ack != next[1] {
		t.Errorf("last segment %+v, want the client's ACK of %d", last,
			next[1])
	}
	return flags
}

func TestRecordings(t *testing.T) {
	tests := []struct {
		file  string
		close string // flags of the segments after the data
	}{
		{recordings[closeFour], "ACK FIN,ACK ACK FIN,ACK ACK"},
		{recordings[closeMerge], "ACK FIN,ACK FIN,ACK ACK"},
	}
	for _, tt := range tests {
		frames, err := readPcap(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		flags := checkTrace(t, frames)
		got := strings.Join(flags[6:], " ")
		if got != tt.close {
			t.Errorf("%s: close %q, want %q", tt.file, got, tt.close)
		}
	}
}

func TestLive(t *testing.T) {
	if !canCapture() {
		t.Skip("needs CAP_NET_RAW to open an AF_PACKET socket")
	}
	for _, host := range []string{"127.0.0.1", "::1"} {
		frames, err := traceConnection(host, closeFour)
		if err != nil {
			t.Fatal(err)
		}
		flags := checkTrace(t, frames)
		// Four segments close the connection: FIN, ACK, FIN, ACK.
		n := len(flags)
		got := strings.Join(flags[n-4:], " ")
		if got != "FIN,ACK ACK FIN,ACK ACK" {
			t.Errorf("%s: close %q", host, got)
		}
	}
}

// TestLiveMerge checks the three-segment close only loosely: the FIN
// rides with the ACK when the server closes within the delayed-ACK time
// (40 ms or more), which a loaded machine may miss.
func TestLiveMerge(t *testing.T) {
	if !canCapture() {
		t.Skip("needs CAP_NET_RAW to open an AF_PACKET socket")
	}
	frames, err := traceConnection("127.0.0.1", closeMerge)
	if err != nil {
		t.Fatal(err)
	}
	checkTrace(t, frames)
}

// checkReset asserts the trace of the -rst mode: the handshake, the
// client's data and its ACK, then the server's RST and nothing else.
func checkReset(t *testing.T, frames []frame) {
	t.Helper()
	segs, err := decodeAll(frames)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := newTrace(segs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range segs {
		r := tr.row(s)
		dir := "S>C"
		if r.toServer {
			dir = "C>S"
		}
		got = append(got, fmt.Sprintf("%s %s %d/%d/%d", dir, r.flags,
			r.seq, r.ack, r.length))
	}
	want := []string{
		"C>S SYN 0/0/0", "S>C SYN,ACK 0/1/0", "C>S ACK 1/1/0",
		"C>S PSH,ACK 1/1/5", "S>C ACK 1/6/0", "S>C RST,ACK 1/6/0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("reset trace:\n%s\nwant:\n%s", strings.Join(got, "\n"),
			strings.Join(want, "\n"))
	}
}

func TestReset(t *testing.T) {
	frames, err := readPcap(recordings[closeRST])
	if err != nil {
		t.Fatal(err)
	}
	checkReset(t, frames)
	if !canCapture() {
		t.Skip("live part needs CAP_NET_RAW to open an AF_PACKET socket")
	}
	frames, err = traceConnection("127.0.0.1", closeRST)
	if err != nil {
		t.Fatal(err)
	}
	checkReset(t, frames)
}

func TestPcapRoundTrip(t *testing.T) {
	frames, err := readPcap(recordings[closeFour])
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "copy.pcap")
	if err := writePcap(name, frames); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(recordings[closeFour])
	b, _ := os.ReadFile(name)
	if !bytes.Equal(a, b) {
		t.Errorf("rewritten pcap differs (%d vs %d bytes)", len(a), len(b))
	}
	if _, err := readPcap("handshake.go"); err == nil {
		t.Error("readPcap accepted a Go file")
	}
}

// TestWithoutCapNetRaw runs the program with CAP_NET_RAW removed from
// its bounding set (as root), or as it is (as an ordinary user): it must
// say why in one line and show the recorded trace.
func TestWithoutCapNetRaw(t *testing.T) {
	var cmd *exec.Cmd
	if canCapture() {
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Skip("needs setpriv (util-linux) to drop CAP_NET_RAW")
		}
		cmd = exec.Command(setpriv, "--bounding-set=-net_raw",
			os.Args[0])
	} else {
		cmd = exec.Command(os.Args[0])
	}
	cmd.Env = append(os.Environ(), "HANDSHAKE_RUN_MAIN=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	wantErr := "handshake: cannot capture without CAP_NET_RAW (socket: " +
		"operation not permitted); showing a recorded trace\n"
	if stderr.String() != wantErr {
		t.Errorf("stderr %q, want %q", stderr.String(), wantErr)
	}
	var want bytes.Buffer
	if err := run([]string{"-recorded"}, &want); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != want.String() {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), want.String())
	}
	if !strings.HasPrefix(stdout.String(), "trace: recorded") {
		t.Errorf("trace not marked as recorded:\n%s", stdout.String())
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"-nosuchflag"},
		{"-merge", "-rst"}} {
		var out bytes.Buffer
		err := run(args, &out)
		if _, ok := err.(*usageError); !ok {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
	var out bytes.Buffer
	if err := run([]string{"-replay", "missing.pcap"}, &out); err == nil {
		t.Error("replay of a missing file succeeded")
	}
}

// The recording of -rst, rendered: the smallest complete example of the
// table and the ladder.
func Example_render() {
	frames, err := readPcap(recordings[closeRST])
	if err != nil {
		fmt.Println(err)
		return
	}
	segs, _ := decodeAll(frames)
	tr, err := newTrace(segs)
	if err != nil {
		fmt.Println(err)
		return
	}
	tr.table(os.Stdout)
	// Output:
	//   #  dir  flags         seq   ack     win  len  options
	//   1  C>S  SYN             0     -   65495    0  mss=65495 sackOK ts wscale=10
	//   2  S>C  SYN,ACK         0     1   65483    0  mss=65495 sackOK ts wscale=10
	//   3  C>S  ACK             1     1   65536    0  ts
	//   4  C>S  PSH,ACK         1     1   65536    5  ts "ping\n"
	//   5  S>C  ACK             1     6   65536    0  ts
	//   6  S>C  RST,ACK         1     6   65536    0  ts
}
