package procnet

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The samples below were captured on x86-64; a big-endian kernel
// prints the same addresses with the bytes of each word reversed.
func littleEndian(t *testing.T) {
	t.Helper()
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("samples need a little-endian machine")
	}
}

func TestParseAddr(t *testing.T) {
	littleEndian(t)
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "0100007F:1F90", want: "127.0.0.1:8080"},
		{in: "00000000:0000", want: "0.0.0.0:0"},
		{in: "0101A8C0:0016", want: "192.168.1.1:22"},
		{in: "00000000000000000000000001000000:0050", want: "[::1]:80"},
		{in: "00000000000000000000000000000000:0016", want: "[::]:22"},
		{in: "0000000000000000FFFF00000100007F:270F",
			want: "[::ffff:127.0.0.1]:9999"},
		{in: "B80D0120000000000000000001000000:01BB",
			want: "[2001:db8:0:0:0:0:0:1]:443"},
		{in: "0100007F", bad: true},
		{in: "0100007:1F90", bad: true},
		{in: "0100007G:1F90", bad: true},
		{in: "0100007F:10000", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseAddr(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseAddr(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q",
				tt.in, got, err, tt.want)
		}
	}
}

const sample = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41235 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   2: 0100007F:C350 0100007F:1F90 01 00002000:00000010 04:000000C8 00000000  1000        0 41240 1 0000000000000000 20 4 30 10 -1
`

func TestParse(t *testing.T) {
	littleEndian(t)
	got, err := Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Local: "127.0.0.1:8080", Remote: "0.0.0.0:0", State: "LISTEN",
			Inode: 41235},
		{Local: "127.0.0.1:8080", Remote: "127.0.0.1:50000",
			State: "TIME_WAIT", Timer: TimerTimeWait,
			Expires: 60 * time.Second},
		{Local: "127.0.0.1:50000", Remote: "127.0.0.1:8080",
			State: "ESTABLISHED", TxQueue: 0x2000, RxQueue: 0x10,
			Timer: TimerProbe, Expires: 2 * time.Second, UID: 1000,
			Inode: 41240},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	const head = "header\n"
	tests := []struct {
		line, want string
	}{
		{" 0: zz:1 00000000:0000 0A a b c d e f", `bad address "zz:1"`},
		{" 0: 00000000:0000 00000000:XYZ 0A a b c d e f",
			`bad port in "00000000:XYZ"`},
		{" 0: 00000000:0000 00000000:0000 0Z a b c d e f",
			`state "0Z": `},
	}
	for _, tt := range tests {
		_, err := Parse(head + tt.line + "\n")
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want %s...", tt.line, err, tt.want)
		}
	}
	// Short lines (the header, a blank line) are skipped.
	got, err := Parse(head + "\n   \nshort line\n")
	if err != nil || len(got) != 0 {
		t.Errorf("Parse(short lines) = %v, %v; want no rows", got, err)
	}
}

func TestGrepPort(t *testing.T) {
	tests := []struct {
		port int
		rows int
	}{
		{8080, 3},  // the listener and both ends of the connection
		{50000, 2}, // only the connection
		{80, 0},
		{0x1F9, 0}, // a prefix of 1F90 is not a match
		{0, 1},     // the listener's unset remote port
	}
	for _, tt := range tests {
		got, err := Parse(GrepPort(sample, tt.port))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.rows {
			t.Errorf("GrepPort(%d) kept %d rows, want %d",
				tt.port, len(got), tt.rows)
		}
	}
}

// GrepPort keeps whole lines, the header included, whatever the
// position of the match and the last line's newline.
func TestGrepPortLines(t *testing.T) {
	tests := []struct {
		text string
		port int
		want string
	}{
		{"", 80, ""},
		{"head", 80, "head"},
		{"head\n", 80, "head\n"},
		{"head :0050 \n", 80, "head :0050 \n"},
		{"head\na :0050 b\nc :0051 d\ne :0050 f", 80,
			"head\na :0050 b\ne :0050 f"},
		{"head\na :0050 :0050 b\n", 80, "head\na :0050 :0050 b\n"},
		{"head\na :0051 b\n:0050 c\n", 80, "head\n:0050 c\n"},
	}
	for _, tt := range tests {
		if got := GrepPort(tt.text, tt.port); got != tt.want {
			t.Errorf("GrepPort(%q, %d) = %q, want %q",
				tt.text, tt.port, got, tt.want)
		}
	}
}

func TestReadPort(t *testing.T) {
	littleEndian(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "tcp")
	if err := os.WriteFile(good, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPort(good, 50000)
	if err != nil || len(got) != 2 || got[0].State != "TIME_WAIT" {
		t.Errorf("ReadPort(sample, 50000) = %+v, %v", got, err)
	}
	bad := filepath.Join(dir, "bad")
	text := "header\n 0: zz:0050 00000000:0000 0A a b c d e f\n"
	if err := os.WriteFile(bad, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadPort(bad, 80)
	if err == nil || !strings.HasPrefix(err.Error(), bad+": bad address") {
		t.Errorf("ReadPort(bad) = %v, want the path and the cause", err)
	}
	if _, err := ReadPort(filepath.Join(dir, "none"), 80); !os.IsNotExist(err) {
		t.Errorf("ReadPort(missing file) = %v, want not exist", err)
	}
	// The real table, when there is one: its header line parses.
	if _, err := os.Stat(TCP4); err == nil {
		if _, err := ReadPort(TCP4, 1); err != nil {
			t.Errorf("ReadPort(%s): %v", TCP4, err)
		}
	}
}

func TestPortOf(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"127.0.0.1:8080", 8080},
		{"0.0.0.0:0", 0},
		{"[::1]:443", 443},
		{"[::ffff:127.0.0.1]:9999", 9999},
		{"[2001:db8:0:0:0:0:0:1]:22", 22},
	}
	for _, tt := range tests {
		if got := PortOf(tt.in); got != tt.want {
			t.Errorf("PortOf(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// The kernel prints an IPv4 address as one 32-bit word read from
// memory in the CPU's byte order; ParseAddr undoes that.
func ExampleParseAddr() {
	word := binary.NativeEndian.Uint32([]byte{127, 0, 0, 1})
	a, err := ParseAddr(fmt.Sprintf("%08X:%04X", word, 8080))
	fmt.Println(a, err)
	// Output: 127.0.0.1:8080 <nil>
}

// A busy machine's table has thousands of lines, and the programs poll
// it every millisecond: GrepPort must skip the lines of other ports
// without parsing them.
func BenchmarkGrepPort(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(strings.SplitN(sample, "\n", 2)[0] + "\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&sb, "%5d: 0100007F:%04X 0100007F:%04X 01 "+
			"00000000:00000000 00:00000000 00000000  1000        0 %d 1 "+
			"0000000000000000 20 4 30 10 -1\n",
			i, 1024+i, 20000+i, 40000+i)
	}
	text := sb.String()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t, err := Parse(GrepPort(text, 1024+5000))
		if err != nil || len(t) != 1 {
			b.Fatalf("got %d rows, %v; want 1", len(t), err)
		}
	}
}

func TestDedup(t *testing.T) {
	a := Entry{Local: "127.0.0.1:5000", Remote: "127.0.0.1:6000", State: "TIME_WAIT"}
	b := Entry{Local: "127.0.0.1:5000", Remote: "0.0.0.0:0", State: "LISTEN", Inode: 7}
	c := b
	c.Inode = 8 // a second SO_REUSEPORT listener: another socket
	got := Dedup([]Entry{a, b, a, c, b, a})
	want := []Entry{a, b, c}
	if len(got) != len(want) {
		t.Fatalf("Dedup kept %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
