package main

import (
	"bytes"
	"fmt"
	"strings"
	"syscall"
	"testing"
)

func TestSettled(t *testing.T) {
	tests := []struct {
		name string
		info tcpInfo
		seg  uint32
		want bool
	}{
		{"all sent and acked", tcpInfo{}, 1024, true},
		{"segments in flight", tcpInfo{unacked: 2, sndWnd: 4096}, 1024,
			false},
		{"zero window, data waiting", tcpInfo{notSent: 2048}, 1024, true},
		{"window too small for a segment",
			tcpInfo{notSent: 2048, sndWnd: 1000}, 1024, true},
		{"window fits a segment", tcpInfo{notSent: 2048, sndWnd: 1024},
			1024, false},
	}
	for _, tt := range tests {
		if got := settled(tt.seg)(tt.info); got != tt.want {
			t.Errorf("%s: settled = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func Example_settled() {
	waiting := tcpInfo{notSent: 2048, sndWnd: 0}
	sending := tcpInfo{notSent: 2048, sndWnd: 4096}
	fmt.Println(settled(1024)(waiting), settled(1024)(sending))
	// Output: true false
}

// TestTCPInfoOffsets checks the offsets getTCPInfo reads against what
// the kernel says through other calls, on a fresh connection.
func TestTCPInfoOffsets(t *testing.T) {
	p, err := connect(config{rcvRcvbuf: 4096}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	ti, err := getTCPInfo(p.snd)
	if err != nil {
		t.Fatal(err)
	}
	mss, err := syscall.GetsockoptInt(p.snd, syscall.IPPROTO_TCP,
		syscall.TCP_MAXSEG)
	if err != nil {
		t.Fatal(err)
	}
	rti, err := getTCPInfo(p.rcv)
	if err != nil {
		t.Fatal(err)
	}
	const established = 1
	if ti.state != established || rti.state != established {
		t.Errorf("states %d, %d, want %d", ti.state, rti.state,
			established)
	}
	if int(ti.sndMSS) != mss {
		t.Errorf("snd_mss %d, TCP_MAXSEG %d", ti.sndMSS, mss)
	}
	// Only the SYN has been acknowledged, and it counts as one byte.
	if ti.bytesAck != 1 || ti.unacked != 0 || rti.bytesRecv != 0 {
		t.Errorf("acked %d, unacked %d, received %d", ti.bytesAck,
			ti.unacked, rti.bytesRecv)
	}
	// The window the sender sees is the one the receiver advertises.
	if ti.sndWnd == 0 || ti.sndWnd != rti.rcvWnd {
		t.Errorf("sender's snd_wnd %d, receiver's rcv_wnd %d",
			ti.sndWnd, rti.rcvWnd)
	}
}

func TestFill(t *testing.T) {
	var out bytes.Buffer
	if err := run(nil, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"then EAGAIN\n",
		"-- the receiver does not read --\n" +
			"sender:   snd_wnd 0, ",
		"receiver: rcv_wnd 0, ",
		"still in the send buffer 0\n",
		"the window is open: ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"x"}, {"-chunk", "0"},
		{"-rcvbuf", "-1"}, {"-nosuch"}} {
		var out bytes.Buffer
		err := run(args, &out)
		if _, ok := err.(*usageError); !ok {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
}
