package tcphdr

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// Frames captured on lo by the handshake program (-pcap), copied as hex.
// The checksums in "want" come from tcpdump -vv reading the same pcap:
// an independent decoder to compare with.
const (
	// 1: client SYN, IPv4.
	v4SYN = "00000000000000000000000008004500003cfe8e400040063e2b" +
		"7f0000017f000001b8a693ed77dba16e00000000a002ffd7fe300000" +
		"0204ffd70402080a435589e9000000000103030a"
	// 2: server SYN,ACK.
	v4SYNACK = "00000000000000000000000008004500003c0000400040063cba" +
		"7f0000017f00000193edb8a667633c0b77dba16fa012ffcbfe300000" +
		"0204ffd70402080a9bf48f2c435589e90103030a"
	// 4: client data "ping\n", PSH,ACK.
	v4Data = "000000000000000000000000080045000039fe90400040063e2c" +
		"7f0000017f000001b8a693ed77dba16f67633c0c80180040fe2d0000" +
		"0101080a435589ea9bf48f2c70696e670a"
	// 8: client FIN,ACK.
	v4FIN = "000000000000000000000000080045000034fe92400040063e2f" +
		"7f0000017f000001b8a693ed77dba17467633c1180110040fe280000" +
		"0101080a435589ea9bf48f2d"
	// 11: last ACK, sent from TIME_WAIT with a full checksum.
	v4LastACK = "0000000000000000000000000800450000340000400040063cc2" +
		"7f0000017f000001b8a693ed77dba17567633c128010004076be0000" +
		"0101080a435589ea9bf48f2d"
	// IPv6: client SYN and server data "pong\n" (handshake -6).
	v6SYN = "00000000000000000000000086dd600e537900280640" +
		"00000000000000000000000000000001" +
		"00000000000000000000000000000001" +
		"92a685392793797a00000000a002ffc4003000000204ffc40402080a" +
		"af7608aa000000000103030a"
	v6Data = "00000000000000000000000086dd60013a37002506400" +
		"0000000000000000000000000000001" +
		"00000000000000000000000000000001" +
		"853992a6243a58222793798080180040002d00000101080a" +
		"f6e1cee7af7608aa706f6e670a"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFrame(t *testing.T) {
	tests := []struct {
		name     string
		frame    string
		version  int
		src, dst string
		seq, ack uint32
		hdrLen   int
		flags    string
		window   uint16
		checksum uint16
		opts     string
		mss      uint16
		wscale   int
		payload  string
		want     uint16 // checksum as tcpdump computes it
	}{
		{"v4 SYN", v4SYN, 4, "127.0.0.1:47270", "127.0.0.1:37869",
			2010882414, 0, 40, "SYN", 65495, 0xfe30,
			"mss=65495 sackOK ts wscale=10", 65495, 10, "", 0x1ce2},
		{"v4 SYN,ACK", v4SYNACK, 4, "127.0.0.1:37869",
			"127.0.0.1:47270", 1734556683, 2010882415, 40, "SYN,ACK",
			65483, 0xfe30, "mss=65495 sackOK ts wscale=10", 65495, 10,
			"", 0x4e4d},
		{"v4 data", v4Data, 4, "127.0.0.1:47270", "127.0.0.1:37869",
			2010882415, 1734556684, 32, "PSH,ACK", 64, 0xfe2d, "ts", 0,
			-1, "ping\n", 0x8ded},
		{"v4 FIN", v4FIN, 4, "127.0.0.1:47270", "127.0.0.1:37869",
			2010882420, 1734556689, 32, "FIN,ACK", 64, 0xfe28, "ts", 0,
			-1, "", 0x76bf},
		{"v4 last ACK", v4LastACK, 4, "127.0.0.1:47270",
			"127.0.0.1:37869", 2010882421, 1734556690, 32, "ACK", 64,
			0x76be, "ts", 0, -1, "", 0x76be},
		{"v6 SYN", v6SYN, 6, "[::1]:37542", "[::1]:34105",
			0x2793797a, 0, 40, "SYN", 65476, 0x0030,
			"mss=65476 sackOK ts wscale=10", 65476, 10, "", 0xdd17},
		{"v6 data", v6Data, 6, "[::1]:34105", "[::1]:37542",
			0x243a5822, 0x27937980, 32, "PSH,ACK", 64, 0x002d, "ts", 0,
			-1, "pong\n", 0xda5d},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := mustHex(t, tt.frame)
			s, err := ParseFrame(frame)
			if err != nil {
				t.Fatal(err)
			}
			h := s.TCP
			got := fmt.Sprintf("v%d %s %s seq=%d ack=%d hdr=%d %s "+
				"win=%d sum=%#04x [%s] mss=%d ws=%d %q",
				s.IP.Version, s.Src(), s.Dst(), h.Seq, h.Ack, h.HdrLen,
				h.Flags, h.Window, h.Checksum, h.OptionString(), h.MSS,
				h.WScale, s.Payload)
			want := fmt.Sprintf("v%d %s %s seq=%d ack=%d hdr=%d %s "+
				"win=%d sum=%#04x [%s] mss=%d ws=%d %q",
				tt.version, tt.src, tt.dst, tt.seq, tt.ack, tt.hdrLen,
				tt.flags, tt.window, tt.checksum, tt.opts, tt.mss,
				tt.wscale, tt.payload)
			if got != want {
				t.Errorf("\n got %s\nwant %s", got, want)
			}

			// Recompute the checksum with the field zeroed: the
			// value tcpdump says the field should hold.
			seg := frame[14+s.IP.HdrLen:]
			c := make([]byte, len(seg))
			copy(c, seg)
			c[16], c[17] = 0, 0
			if sum := Checksum(s.IP.Src, s.IP.Dst, c); sum != tt.want {
				t.Errorf("checksum %#04x, want %#04x", sum, tt.want)
			}
		})
	}
}

// TestLoopbackPartialChecksum pins down what lo puts in the checksum
// field: only the folded sum of the pseudo-header (the kernel leaves the
// rest to "hardware" that loopback does not have), except for segments
// the kernel builds outside a socket, such as the last ACK sent from
// TIME_WAIT, whose checksum is complete.
func TestLoopbackPartialChecksum(t *testing.T) {
	for _, name := range []string{"v4SYN", "v4Data", "v6SYN", "v6Data"} {
		frame := mustHex(t, map[string]string{
			"v4SYN": v4SYN, "v4Data": v4Data,
			"v6SYN": v6SYN, "v6Data": v6Data}[name])
		s, err := ParseFrame(frame)
		if err != nil {
			t.Fatal(err)
		}
		n := len(s.Payload) + s.TCP.HdrLen
		// The checksum of n zero bytes is the complement of the
		// pseudo-header's sum alone.
		pseudo := ^Checksum(s.IP.Src, s.IP.Dst, make([]byte, n))
		if s.TCP.Checksum != pseudo {
			t.Errorf("%s: field %#04x, pseudo-header sum %#04x", name,
				s.TCP.Checksum, pseudo)
		}
	}
	// A complete checksum makes the sum over the segment come to 0.
	frame := mustHex(t, v4LastACK)
	s, err := ParseFrame(frame)
	if err != nil {
		t.Fatal(err)
	}
	if c := Checksum(s.IP.Src, s.IP.Dst, frame[34:]); c != 0 {
		t.Errorf("last ACK: checksum over segment %#04x, want 0", c)
	}
}

func TestFlagsString(t *testing.T) {
	tests := []struct {
		f    Flags
		want string
	}{
		{0, "none"},
		{SYN, "SYN"},
		{SYN | ACK, "SYN,ACK"},
		{FIN | ACK, "FIN,ACK"},
		{PSH | ACK, "PSH,ACK"},
		{RST | ACK, "RST,ACK"},
		{FIN | SYN | RST | PSH | ACK | URG | ECE | CWR,
			"SYN,FIN,RST,PSH,ACK,URG,ECE,CWR"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("Flags(%#x) = %q, want %q", uint8(tt.f), got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	syn := mustHex(t, v4SYN)
	badOffset := append([]byte(nil), syn...)
	badOffset[14+20+12] = 0x40 // data offset 4 words: below the minimum
	badOption := append([]byte(nil), syn...)
	badOption[14+20+21] = 0x20 // MSS option claims 32 bytes
	arp := append([]byte(nil), syn...)
	arp[12], arp[13] = 0x08, 0x06
	udp := append([]byte(nil), syn...)
	udp[14+9] = 17
	tests := []struct {
		name  string
		frame []byte
		want  string
	}{
		{"short frame", syn[:10], "ethernet frame: 10 bytes"},
		{"short ip", syn[:20], "ipv4 header: 6 bytes"},
		{"truncated ip", syn[:50], "total 60, have 36"},
		{"data offset", badOffset, "data offset 16 bytes"},
		{"option length", badOption, "tcp option 2: bad length"},
		{"arp", arp, ErrNotTCP.Error()},
		{"udp", udp, ErrNotTCP.Error()},
	}
	for _, tt := range tests {
		_, err := ParseFrame(tt.frame)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestChecksumRFC1071(t *testing.T) {
	// RFC 1071's worked example: the words 0001 f203 f4f5 f6f7 sum to
	// ddf2 (carries folded), so the checksum is its complement 220d.
	// With an all-zero pseudo-header the TCP checksum reduces to it
	// plus the length and protocol words, which are added back here.
	data := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	zero := netip.AddrFrom4([4]byte{})
	got := Checksum(zero, zero, data)
	// Pseudo-header adds 0x0006 (protocol) and 0x0008 (length).
	want := ^uint16(0xddf2 + 0x0006 + 0x0008)
	if got != want {
		t.Errorf("checksum %#04x, want %#04x", got, want)
	}
}

func ExampleParseFrame() {
	frame, _ := hex.DecodeString(v4SYNACK)
	s, err := ParseFrame(frame)
	if err != nil {
		fmt.Println(err)
		return
	}
	h := s.TCP
	fmt.Println(s.Src(), "->", s.Dst())
	fmt.Println("flags:", h.Flags, "header:", h.HdrLen, "bytes")
	fmt.Println("seq:", h.Seq, "ack:", h.Ack, "window:", h.Window)
	fmt.Println("options:", h.OptionString())
	// Output:
	// 127.0.0.1:37869 -> 127.0.0.1:47270
	// flags: SYN,ACK header: 40 bytes
	// seq: 1734556683 ack: 2010882415 window: 65483
	// options: mss=65495 sackOK ts wscale=10
}

func ExampleFlags_String() {
	fmt.Println(SYN|ACK, FIN|ACK, Flags(0x18))
	// Output: SYN,ACK FIN,ACK PSH,ACK
}
