package main

import (
	"encoding/binary"
	"fmt"
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
		got, err := parseAddr(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("parseAddr(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseAddr(%q) = %q, %v; want %q",
				tt.in, got, err, tt.want)
		}
	}
}

const sample = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41235 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   2: 0100007F:C350 0100007F:1F90 01 00002000:00000010 04:000000C8 00000000  1000        0 41240 1 0000000000000000 20 4 30 10 -1
`

func TestParseTable(t *testing.T) {
	littleEndian(t)
	got, err := parseTable(sample)
	if err != nil {
		t.Fatal(err)
	}
	want := []entry{
		{local: "127.0.0.1:8080", remote: "0.0.0.0:0", state: "LISTEN",
			inode: 41235},
		{local: "127.0.0.1:8080", remote: "127.0.0.1:50000",
			state: "TIME_WAIT", timer: 3, expires: 60 * time.Second},
		{local: "127.0.0.1:50000", remote: "127.0.0.1:8080",
			state: "ESTABLISHED", txQueue: 0x2000, rxQueue: 0x10,
			timer: 4, expires: 2 * time.Second, uid: 1000, inode: 41240},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if _, err := parseTable("header\n 0: zz:1 00000000:0000 0A a b c d e f\n"); err == nil {
		t.Error("parseTable accepted a bad address")
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
	}
	for _, tt := range tests {
		got, err := parseTable(grepPort(sample, tt.port))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.rows {
			t.Errorf("grepPort(%d) kept %d rows, want %d",
				tt.port, len(got), tt.rows)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		e    entry
		want string
	}{
		{entry{state: "TIME_WAIT", timer: 3, expires: 59990 * time.Millisecond},
			"TIME_WAIT (60s left)"},
		{entry{state: "TIME_WAIT", timer: 3, expires: 60 * time.Second},
			"TIME_WAIT (60s left)"},
		{entry{state: "TIME_WAIT", timer: 3, expires: 58200 * time.Millisecond},
			"TIME_WAIT (59s left)"},
		{entry{state: "TIME_WAIT"}, "TIME_WAIT"},
		{entry{state: "CLOSE_WAIT", timer: 3}, "CLOSE_WAIT"},
	}
	for _, tt := range tests {
		if got := describe(tt.e); got != tt.want {
			t.Errorf("describe(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

// The kernel prints an IPv4 address as one 32-bit word read from
// memory in the CPU's byte order; parseAddr undoes that.
func Example_parseAddr() {
	word := binary.NativeEndian.Uint32([]byte{127, 0, 0, 1})
	a, err := parseAddr(fmt.Sprintf("%08X:%04X", word, 8080))
	fmt.Println(a, err)
	// Output: 127.0.0.1:8080 <nil>
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{{"closing-first"}, {"a", "b"}} {
		if _, ok := run(args).(*usageError); !ok {
			t.Errorf("run(%q): want a usage error", args)
		}
	}
}
