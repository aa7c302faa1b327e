// Package tunlink is a network link made in user space: two private
// network namespaces, each with a TUN device and one address
// (10.77.0.1 and 10.77.0.2), and a process between them that carries
// every IP packet from one device to the other, late, slowly, twice,
// out of order or not at all, as its Config asks.
//
// It is the machinery behind the lossy-link program of chapter 4. The
// decisions (which packet is lost, when each one arrives) are made
// here, in impair.go, without any kernel object, so that they can be
// tested on their own and repeat exactly for a given seed. netns.go
// builds the namespaces and the devices; forward.go moves the packets.
package tunlink

import (
	"errors"
	"fmt"
	"math/rand"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/tcpnotebook/tcpnotebook/chapters/chapter04/tcphdr"
)

// The two ends of the link. Side A is where a server usually listens.
var (
	AddrA = netip.MustParsePrefix("10.77.0.1/24")
	AddrB = netip.MustParsePrefix("10.77.0.2/24")
)

// Config says how the link treats the packets it carries. The zero
// value is a perfect link: no delay, no loss, no rate limit.
type Config struct {
	Delay   time.Duration // one-way delay, each direction
	Jitter  time.Duration // each packet: Delay plus or minus up to Jitter
	Rate    int64         // bits per second; 0: no limit
	Queue   int           // packets that may wait for the rate limit
	Loss    float64       // probability that a packet is lost, 0 to 1
	Dup     float64       // probability that a packet is sent twice
	Reorder float64       // probability that a packet is held back
	Drops   []Drop        // chosen segments to lose
	Seed    int64         // seeds the random choices
	MTU     int           // of both devices; 0: 1500
	Sysctls []string      // "net.ipv4.tcp_syn_retries=2", set in both
	// namespaces (their sysctls under net. are their own)
}

// Drop chooses TCP segments to lose: the Nth segment of a kind, and
// how many of its transmissions (the first, then retransmissions).
type Drop struct {
	Kind  string // syn, synack, data, fin or lastack
	N     int    // the Nth distinct segment of that kind (data, fin)
	Times int    // transmissions to lose; 0: every one
}

// dropKinds lists the kinds of segment a Drop can choose, with what
// each means.
var dropKinds = map[string]string{
	"syn":     "the client's SYN",
	"synack":  "the server's SYN,ACK",
	"data":    "the Nth segment of new data from the client",
	"fin":     "the first (N=1) or second FIN of a connection",
	"lastack": "the ACK of the second FIN: the last segment of a close",
}

// ParseDrop reads a drop rule: KIND, KIND=N, KIND*TIMES or
// KIND=N*TIMES, where TIMES is a number or "all". Without *TIMES one
// transmission is lost; without =N the first segment is chosen.
//
//	syn*all    every transmission of the SYN
//	data=3*2   the 3rd data segment and its first retransmission
//	lastack    the last ACK of a close, once
func ParseDrop(s string) (Drop, error) {
	d := Drop{N: 1, Times: 1}
	rest := s
	if i := strings.IndexByte(rest, '*'); i >= 0 {
		t := rest[i+1:]
		rest = rest[:i]
		if t == "all" {
			d.Times = 0
		} else {
			n, err := strconv.Atoi(t)
			if err != nil || n < 1 {
				return d, fmt.Errorf("drop %q: want *N (N >= 1) or *all", s)
			}
			d.Times = n
		}
	}
	if i := strings.IndexByte(rest, '='); i >= 0 {
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil || n < 1 {
			return d, fmt.Errorf("drop %q: want =N with N >= 1", s)
		}
		d.N = n
		rest = rest[:i]
	}
	d.Kind = rest
	if _, ok := dropKinds[d.Kind]; !ok {
		return d, fmt.Errorf("drop %q: unknown kind %q (want syn, synack, "+
			"data, fin or lastack)", s, d.Kind)
	}
	if d.N != 1 && d.Kind != "data" && d.Kind != "fin" {
		return d, fmt.Errorf("drop %q: =N applies to data and fin only", s)
	}
	return d, nil
}

// String gives the rule back in the form ParseDrop reads.
func (d Drop) String() string {
	s := d.Kind
	if d.N != 1 || d.Kind == "data" || d.Kind == "fin" {
		s += "=" + strconv.Itoa(d.N)
	}
	switch d.Times {
	case 0:
		s += "*all"
	case 1:
	default:
		s += "*" + strconv.Itoa(d.Times)
	}
	return s
}

// ParseRate reads a rate such as 10Mbit, 512kbit, 1Gbit or 800bit
// and returns bits per second. "0" means no limit.
func ParseRate(s string) (int64, error) {
	// One assignment a line: the notebook's interpreter loses the
	// constant in "num, mult = x, 1000000".
	mult := int64(1)
	num := s
	switch {
	case strings.HasSuffix(s, "Gbit"):
		num = strings.TrimSuffix(s, "Gbit")
		mult = 1000000000
	case strings.HasSuffix(s, "Mbit"):
		num = strings.TrimSuffix(s, "Mbit")
		mult = 1000000
	case strings.HasSuffix(s, "kbit"):
		num = strings.TrimSuffix(s, "kbit")
		mult = 1000
	case strings.HasSuffix(s, "bit"):
		num = strings.TrimSuffix(s, "bit")
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n < 0 || (num != s && num == "") {
		return 0, fmt.Errorf("rate %q: want a number with bit, kbit, "+
			"Mbit or Gbit (10Mbit), or 0", s)
	}
	if n != 0 && mult == 1 && num == s {
		return 0, fmt.Errorf("rate %q: say the unit (bit, kbit, Mbit, "+
			"Gbit)", s)
	}
	return int64(n * float64(mult)), nil
}

// FormatRate is the inverse of ParseRate for round figures.
func FormatRate(r int64) string {
	switch {
	case r >= 1e9 && r%1e9 == 0:
		return strconv.FormatInt(r/1e9, 10) + "Gbit"
	case r >= 1e6 && r%1e6 == 0:
		return strconv.FormatInt(r/1e6, 10) + "Mbit"
	case r >= 1e3 && r%1e3 == 0:
		return strconv.FormatInt(r/1e3, 10) + "kbit"
	}
	return strconv.FormatInt(r, 10) + "bit"
}

// ParsePercent reads "5%" or "0.05" as a probability.
func ParsePercent(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if pct {
		v /= 100
	}
	if err != nil || v < 0 || v > 1 {
		return 0, fmt.Errorf("%q: want a percentage from 0%% to 100%%", s)
	}
	return v, nil
}

// String describes the link the way lossy-link announces it:
// "delay 50ms, loss 1%, rate 10Mbit". Only what is set is named,
// the delay always.
func (c Config) String() string {
	parts := []string{"delay " + c.Delay.String()}
	if c.Jitter > 0 {
		parts = append(parts, "jitter "+c.Jitter.String())
	}
	if c.Loss > 0 {
		parts = append(parts, "loss "+pct(c.Loss))
	}
	if c.Rate > 0 {
		parts = append(parts, "rate "+FormatRate(c.Rate))
		parts = append(parts, "queue "+strconv.Itoa(c.queue()))
	}
	if c.Dup > 0 {
		parts = append(parts, "dup "+pct(c.Dup))
	}
	if c.Reorder > 0 {
		parts = append(parts, "reorder "+pct(c.Reorder))
	}
	for _, d := range c.Drops {
		parts = append(parts, "drop "+d.String())
	}
	if c.MTU != 0 && c.MTU != 1500 {
		parts = append(parts, "mtu "+strconv.Itoa(c.MTU))
	}
	return strings.Join(parts, ", ")
}

func pct(p float64) string {
	return strconv.FormatFloat(p*100, 'f', -1, 64) + "%"
}

func (c Config) queue() int {
	if c.Queue <= 0 {
		return 100
	}
	return c.Queue
}

func (c Config) mtu() int {
	if c.MTU <= 0 {
		return 1500
	}
	return c.MTU
}

// Check refuses a configuration the link cannot apply.
func (c Config) Check() error {
	switch {
	case c.Delay < 0 || c.Jitter < 0:
		return errors.New("delay and jitter must not be negative")
	case c.Jitter > c.Delay:
		return errors.New("jitter must not exceed the delay")
	case c.Rate < 0:
		return errors.New("rate must not be negative")
	case c.MTU != 0 && (c.MTU < 576 || c.MTU > 65535):
		return fmt.Errorf("mtu %d: want 576 to 65535", c.MTU)
	}
	for _, s := range c.Sysctls {
		k, _, ok := strings.Cut(s, "=")
		if !ok || !strings.HasPrefix(k, "net.") || strings.Contains(k, "..") ||
			strings.Contains(k, "/") {
			return fmt.Errorf("sysctl %q: want net.NAME=VALUE", s)
		}
	}
	return nil
}

// Verdict is what the link does with one packet.
type Verdict int

const (
	Pass   Verdict = iota // carried after the delay
	Lost                  // lost at random (Loss)
	Chosen                // lost because a Drop rule chose it
	Full                  // lost because the rate limiter's queue was full
	Late                  // held back, so that later packets overtake it
	Twice                 // carried, and a copy after it (Dup)
)

var verdictNames = []string{"pass", "lost", "dropped", "queue full",
	"reordered", "duplicated"}

func (v Verdict) String() string { return verdictNames[v] }

// Dropped reports whether the packet does not arrive.
func (v Verdict) Dropped() bool { return v == Lost || v == Chosen || v == Full }

// tracked is one connection, as the chooser follows it.
type tracked struct {
	client    string            // the sender of the SYN
	nData     int               // distinct data segments from the client
	dataIndex map[uint32]int    // sequence number -> which data segment
	nFIN      int               // FINs so far, both directions
	fin       map[string]uint32 // sender -> its FIN's number
	finOrder  map[string]int    // sender -> 1st or 2nd FIN
	lost      map[string]int    // drop rule -> transmissions lost so far
}

// chooser applies the Drop rules. It follows each connection in both
// directions: the last ACK of a close is recognised by the FINs that
// went before it.
type chooser struct {
	drops []Drop
	conns map[string]*tracked // "addr:port addr:port", lower first
}

func newChooser(drops []Drop) *chooser {
	return &chooser{drops: drops, conns: map[string]*tracked{}}
}

// choose reports whether a Drop rule takes this segment. It also keeps
// count of data segments and FINs, so it must see every segment the
// link reads, lost or not, in the order read.
func (c *chooser) choose(seg tcphdr.Segment) bool {
	h := seg.TCP
	// Strings, not netip.AddrPort, as map keys: the notebook's
	// interpreter does not find struct keys it has stored.
	src, dst := seg.Src().String(), seg.Dst().String()
	k := src + " " + dst
	if dst < src {
		k = dst + " " + src
	}
	t := c.conns[k]
	if t == nil {
		t = &tracked{client: src, dataIndex: map[uint32]int{},
			fin:      map[string]uint32{},
			finOrder: map[string]int{}, lost: map[string]int{}}
		c.conns[k] = t
	}
	isSYN := h.Flags&tcphdr.SYN != 0 && h.Flags&tcphdr.ACK == 0
	if isSYN {
		t.client = src
	}

	// What is this segment: which kinds, and which one of each kind.
	var kinds []string
	var index []int
	if len(seg.Payload) > 0 && src == t.client {
		i, ok := t.dataIndex[h.Seq]
		if !ok {
			t.nData++
			i = t.nData
			t.dataIndex[h.Seq] = i
		}
		kinds, index = append(kinds, "data"), append(index, i)
	}
	switch {
	case isSYN:
		kinds, index = append(kinds, "syn"), append(index, 1)
	case h.Flags&tcphdr.SYN != 0:
		kinds, index = append(kinds, "synack"), append(index, 1)
	}
	if h.Flags&tcphdr.FIN != 0 {
		if _, ok := t.fin[src]; !ok {
			t.nFIN++
			t.fin[src] = h.Seq + uint32(len(seg.Payload))
			t.finOrder[src] = t.nFIN
		}
		kinds, index = append(kinds, "fin"), append(index, t.finOrder[src])
	}
	// The last ACK: a bare ACK from the side that sent the first
	// FIN, of the second FIN. (Flags tested bit by bit: under the
	// notebook's interpreter, h.Flags == tcphdr.ACK is false even for
	// a bare ACK.)
	bare := h.Flags&(tcphdr.SYN|tcphdr.FIN|tcphdr.RST) == 0 &&
		h.Flags&tcphdr.ACK != 0 && len(seg.Payload) == 0
	if bare && t.finOrder[src] == 1 && t.finOrder[dst] == 2 &&
		h.Ack == t.fin[dst]+1 {
		kinds, index = append(kinds, "lastack"), append(index, 1)
	}

	for _, d := range c.drops {
		for j, kind := range kinds {
			if kind != d.Kind || index[j] != d.N {
				continue
			}
			name := d.String()
			if d.Times == 0 || t.lost[name] < d.Times {
				t.lost[name]++
				return true
			}
		}
	}
	return false
}

// Clock decides, for one direction, what happens to each packet and
// when it arrives. It is pure: it reads no clock and touches no
// device, so a test can drive it with made-up times.
type Clock struct {
	cfg     Config
	rnd     *rand.Rand
	choose  *chooser
	free    time.Time   // when the rate limiter may start the next packet
	queued  []time.Time // departure times of packets still waiting
	lastArr time.Time   // arrival of the previous packet, to keep order
}

// NewClocks returns the two directions of a link, A to B and B to A,
// which share the Drop rules and have a random source each, so that
// the traffic one way does not change the choices made the other way.
func NewClocks(cfg Config) (*Clock, *Clock) {
	ch := newChooser(cfg.Drops)
	ab := &Clock{cfg: cfg, rnd: rand.New(rand.NewSource(cfg.Seed)),
		choose: ch}
	ba := &Clock{cfg: cfg, rnd: rand.New(rand.NewSource(cfg.Seed + 1)),
		choose: ch}
	return ab, ba
}

// reorderLag is how much later than its turn a held-back packet
// arrives: enough for the packets right behind it to overtake it.
const reorderLag = 2 * time.Millisecond

// Decide takes an IP packet read at time now and returns what happens
// to it, and when it (and its copy, for Twice) is delivered. The
// caller must hold whatever lock protects both directions' Clocks.
func (c *Clock) Decide(pkt []byte, now time.Time) (Verdict, time.Time) {
	// Every random draw happens for every packet, whatever the
	// outcome, so that one decision does not shift the ones after it.
	lose := c.rnd.Float64() < c.cfg.Loss
	dup := c.rnd.Float64() < c.cfg.Dup
	late := c.rnd.Float64() < c.cfg.Reorder
	jitter := time.Duration(0)
	if c.cfg.Jitter > 0 {
		jitter = time.Duration(c.rnd.Int63n(int64(2*c.cfg.Jitter)+1)) -
			c.cfg.Jitter
	}

	if seg, err := tcphdr.ParsePacket(pkt); err == nil &&
		c.choose.choose(seg) {
		return Chosen, time.Time{}
	}
	if lose {
		return Lost, time.Time{}
	}

	// region decide
	// The rate limit: a packet leaves when the one before it has been
	// sent, and takes len*8/rate seconds to send. At most Queue
	// packets wait; the next one is dropped at the tail, as a router's
	// queue does.
	depart := now
	if c.cfg.Rate > 0 {
		for len(c.queued) > 0 && !c.queued[0].After(now) {
			c.queued = c.queued[1:]
		}
		if len(c.queued) >= c.cfg.queue() {
			return Full, time.Time{}
		}
		if c.free.Before(now) {
			c.free = now
		}
		c.free = c.free.Add(time.Duration(int64(len(pkt)) * 8 * 1e9 /
			c.cfg.Rate))
		depart = c.free
		c.queued = append(c.queued, depart)
	}
	arrive := depart.Add(c.cfg.Delay + jitter)
	if late {
		return Late, arrive.Add(reorderLag)
	}
	// Jitter alone does not reorder: a packet never arrives before
	// the one sent ahead of it.
	if arrive.Before(c.lastArr) {
		arrive = c.lastArr
	}
	c.lastArr = arrive
	if dup {
		return Twice, arrive
	}
	return Pass, arrive
	// endregion decide
}
