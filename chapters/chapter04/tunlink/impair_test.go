package tunlink

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpnotebook/tcpnotebook/chapters/chapter04/tcphdr"
)

func TestParseDrop(t *testing.T) {
	tests := []struct {
		in   string
		want Drop
		err  bool
	}{
		{"syn", Drop{"syn", 1, 1}, false},
		{"syn*all", Drop{"syn", 1, 0}, false},
		{"data=3", Drop{"data", 3, 1}, false},
		{"data=3*2", Drop{"data", 3, 2}, false},
		{"lastack*2", Drop{"lastack", 1, 2}, false},
		{"fin=2", Drop{"fin", 2, 1}, false},
		{"ack", Drop{}, true},
		{"data=0", Drop{}, true},
		{"data=x", Drop{}, true},
		{"syn*0", Drop{}, true},
		{"syn=2", Drop{}, true},
		{"", Drop{}, true},
	}
	for _, tt := range tests {
		got, err := ParseDrop(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseDrop(%q): error %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("ParseDrop(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if err == nil && got.String() != tt.in {
			t.Errorf("ParseDrop(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"10Mbit", 10e6, false},
		{"512kbit", 512e3, false},
		{"1.5Mbit", 1.5e6, false},
		{"1Gbit", 1e9, false},
		{"800bit", 800, false},
		{"0", 0, false},
		{"10", 0, true},
		{"Mbit", 0, true},
		{"-1Mbit", 0, true},
		{"10MB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d, error %v", tt.in,
				got, err, tt.want, tt.err)
		}
	}
}

func ExampleConfig_String() {
	d, _ := ParseDrop("data=3*2")
	rate, _ := ParseRate("10Mbit")
	loss, _ := ParsePercent("1%")
	c := Config{Delay: 50 * time.Millisecond, Loss: loss, Rate: rate,
		Drops: []Drop{d}}
	fmt.Println(c)
	// Output: delay 50ms, loss 1%, rate 10Mbit, queue 100, drop data=3*2
}

// packet builds an IPv4 packet holding a TCP segment.
func packet(src, dst string, seq, ack uint32, flags tcphdr.Flags,
	payload int) []byte {
	b := make([]byte, 40+payload)
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	b[9] = tcphdr.ProtoTCP
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	s4, d4 := s.Addr().As4(), d.Addr().As4()
	copy(b[12:], s4[:])
	copy(b[16:], d4[:])
	binary.BigEndian.PutUint16(b[20:], s.Port())
	binary.BigEndian.PutUint16(b[22:], d.Port())
	binary.BigEndian.PutUint32(b[24:], seq)
	binary.BigEndian.PutUint32(b[28:], ack)
	b[32] = 5 << 4
	b[33] = byte(flags)
	return b
}

const (
	cli = "10.77.0.2:40000"
	srv = "10.77.0.1:5001"
)

// TestChosenDrops walks a connection with a lost data segment and a
// lost last ACK through the two clocks and checks exactly those go.
func TestChosenDrops(t *testing.T) {
	var drops []Drop
	for _, s := range []string{"data=2*2", "lastack", "synack"} {
		d, err := ParseDrop(s)
		if err != nil {
			t.Fatal(err)
		}
		drops = append(drops, d)
	}
	ab, ba := NewClocks(Config{Drops: drops})
	A, S, F := tcphdr.ACK, tcphdr.SYN, tcphdr.FIN
	steps := []struct {
		toServer bool
		seq, ack uint32
		flags    tcphdr.Flags
		n        int
		lost     bool
	}{
		{true, 0, 0, S, 0, false},
		{false, 0, 1, S | A, 0, true}, // synack
		{true, 0, 0, S, 0, false},
		{false, 0, 1, S | A, 0, false}, // only once
		{true, 1, 1, A, 0, false},
		{true, 1, 1, A, 100, false},
		{true, 101, 1, A, 100, true}, // data=2
		{true, 201, 1, A, 100, false},
		{false, 1, 101, A, 0, false},
		{true, 101, 1, A, 100, true},  // its first retransmission
		{true, 101, 1, A, 100, false}, // *2: the second goes through
		{false, 1, 301, A, 0, false},
		{true, 301, 1, F | A, 0, false},
		{false, 1, 302, F | A, 0, false},
		{false, 2, 302, A, 0, false},     // the server's ACK of the first FIN
		{true, 302, 2, A, 0, true},       // the last ACK
		{false, 1, 302, F | A, 0, false}, // FIN again
		{true, 302, 2, A, 0, false},
	}
	now := time.Unix(0, 0)
	for i, st := range steps {
		c, src, dst := ba, cli, srv
		if !st.toServer {
			c, src, dst = ab, srv, cli
		}
		v, _ := c.Decide(packet(src, dst, st.seq, st.ack, st.flags, st.n), now)
		if v.Dropped() != st.lost {
			t.Errorf("step %d (%v seq %d len %d): %v, want lost %v", i,
				st.flags, st.seq, st.n, v, st.lost)
		}
	}
}

// TestSameSeed: the same seed gives the same losses; the delay and
// the rate limit give the arrival times they promise.
func TestSameSeed(t *testing.T) {
	cfg := Config{Loss: 0.3, Seed: 7, Delay: 10 * time.Millisecond,
		Rate: 8e6} // 1 byte per microsecond
	run := func() []Verdict {
		c, _ := NewClocks(cfg)
		var vs []Verdict
		now := time.Unix(0, 0)
		for i := 0; i < 50; i++ {
			v, _ := c.Decide(make([]byte, 1000), now)
			vs = append(vs, v)
		}
		return vs
	}
	a, b := run(), run()
	lost := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("packet %d: %v then %v with the same seed", i, a[i], b[i])
		}
		if a[i] == Lost {
			lost++
		}
	}
	if lost < 5 || lost > 25 {
		t.Errorf("%d of 50 lost at 30%%", lost)
	}

	c, _ := NewClocks(Config{Delay: 10 * time.Millisecond, Rate: 8e6, Queue: 3})
	now := time.Unix(0, 0)
	var arrivals []time.Duration
	var verdicts []Verdict
	for i := 0; i < 5; i++ {
		v, at := c.Decide(make([]byte, 1000), now)
		verdicts = append(verdicts, v)
		arrivals = append(arrivals, at.Sub(now))
	}
	// Each 1000-byte packet takes 1 ms at 8 Mbit/s: three wait, the
	// fourth and fifth find the queue full.
	want := []time.Duration{11 * time.Millisecond, 12 * time.Millisecond,
		13 * time.Millisecond}
	for i, w := range want {
		if verdicts[i] != Pass || arrivals[i] != w {
			t.Errorf("packet %d: %v at %v, want pass at %v", i, verdicts[i],
				arrivals[i], w)
		}
	}
	if verdicts[3] != Full || verdicts[4] != Full {
		t.Errorf("packets 4 and 5: %v, %v, want queue full", verdicts[3], verdicts[4])
	}
}
