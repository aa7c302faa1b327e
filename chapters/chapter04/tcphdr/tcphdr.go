// Package tcphdr decodes the headers of a captured TCP segment: the
// link-layer frame, the IPv4 or IPv6 header, then the TCP header field by
// field, options included.
//
// It is the decoder behind the handshake and window programs of chapter 4.
// The decoding functions take bytes as they come from an AF_PACKET socket
// or a pcap file and touch no socket; OpenLoopback (capture.go) opens the
// packet socket both programs read from. Every multi-byte field on the
// wire is big-endian (network byte order), so every read goes through
// binary.BigEndian: the same job ntohs and ntohl do in C.
package tcphdr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// EtherType values that tell what an Ethernet frame carries.
const (
	EtherTypeIPv4 = 0x0800
	EtherTypeIPv6 = 0x86DD
)

// ProtoTCP is the IP protocol number of TCP (IPv4 protocol field,
// IPv6 next header).
const ProtoTCP = 6

// Flags holds the flag bits of byte 13 of the TCP header.
type Flags uint8

// The six flags of RFC 793, plus the two ECN bits of RFC 3168.
const (
	FIN Flags = 1 << iota // no more data from the sender
	SYN                   // synchronise sequence numbers
	RST                   // abort the connection
	PSH                   // push the data to the application
	ACK                   // the acknowledgement field is valid
	URG                   // the urgent pointer is valid
	ECE                   // ECN echo
	CWR                   // congestion window reduced
)

// flagNames lists the flags in the order String prints them: the
// connection-control flags first, as Wireshark does.
var flagNames = []struct {
	f    Flags
	name string
}{
	{SYN, "SYN"}, {FIN, "FIN"}, {RST, "RST"}, {PSH, "PSH"},
	{ACK, "ACK"}, {URG, "URG"}, {ECE, "ECE"}, {CWR, "CWR"},
}

// String returns the set flags joined by commas, such as "SYN,ACK",
// or "none".
func (f Flags) String() string {
	var names []string
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			names = append(names, fn.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// Option kinds that the decoder names (RFC 793, 7323, 2018).
const (
	OptEnd       = 0 // end of the option list
	OptNOP       = 1 // one byte of padding
	OptMSS       = 2 // maximum segment size, SYN only
	OptWScale    = 3 // window scale shift count, SYN only
	OptSACKPerm  = 4 // selective acknowledgements allowed, SYN only
	OptSACK      = 5 // selectively acknowledged blocks
	OptTimestamp = 8 // TSval and TSecr
)

// Option is one TCP option: its kind and the bytes after the length.
type Option struct {
	Kind uint8
	Data []byte
}

// TCP is a decoded TCP header. Options are both kept raw, in order, and
// summarised in the fields below them; a field whose option is absent
// holds its zero value (WScale holds -1).
type TCP struct {
	SrcPort  uint16
	DstPort  uint16
	Seq      uint32
	Ack      uint32
	HdrLen   int // data offset, in bytes (the field counts 4-byte words)
	Flags    Flags
	Window   uint16 // as on the wire: not yet scaled
	Checksum uint16
	Urgent   uint16
	Options  []Option

	MSS     uint16
	WScale  int // shift count, -1 when absent
	SACKOK  bool
	HasTS   bool
	TSval   uint32
	TSecr   uint32
	SACKLen int // number of SACK blocks
}

// ParseTCP decodes a TCP header from b and returns it with the payload
// that follows it.
func ParseTCP(b []byte) (TCP, []byte, error) {
	var h TCP
	h.WScale = -1
	if len(b) < 20 {
		return h, nil, fmt.Errorf("tcp header: %d bytes, need 20", len(b))
	}
	// region fields
	h.SrcPort = binary.BigEndian.Uint16(b[0:2])
	h.DstPort = binary.BigEndian.Uint16(b[2:4])
	h.Seq = binary.BigEndian.Uint32(b[4:8])
	h.Ack = binary.BigEndian.Uint32(b[8:12])
	// The high 4 bits of byte 12 count 32-bit words: 5 to 15, so the
	// header is 20 to 60 bytes long.
	h.HdrLen = int(b[12]>>4) * 4
	h.Flags = Flags(b[13])
	h.Window = binary.BigEndian.Uint16(b[14:16])
	h.Checksum = binary.BigEndian.Uint16(b[16:18])
	h.Urgent = binary.BigEndian.Uint16(b[18:20])
	// endregion fields
	if h.HdrLen < 20 || h.HdrLen > len(b) {
		return h, nil, fmt.Errorf("tcp header: data offset %d bytes, "+
			"segment %d bytes", h.HdrLen, len(b))
	}
	if err := h.parseOptions(b[20:h.HdrLen]); err != nil {
		return h, nil, err
	}
	return h, b[h.HdrLen:], nil
}

// parseOptions walks the kind-length-value list after the fixed header.
// Kinds 0 and 1 are a single byte; every other kind has a length byte
// that counts the kind and length bytes too.
func (h *TCP) parseOptions(b []byte) error {
	for len(b) > 0 {
		kind := b[0]
		if kind == OptEnd {
			return nil
		}
		if kind == OptNOP {
			b = b[1:]
			continue
		}
		if len(b) < 2 || int(b[1]) < 2 || int(b[1]) > len(b) {
			return fmt.Errorf("tcp option %d: bad length", kind)
		}
		data := b[2:b[1]]
		b = b[b[1]:]
		h.Options = append(h.Options, Option{Kind: kind, Data: data})
		switch {
		case kind == OptMSS && len(data) == 2:
			h.MSS = binary.BigEndian.Uint16(data)
		case kind == OptWScale && len(data) == 1:
			h.WScale = int(data[0])
		case kind == OptSACKPerm:
			h.SACKOK = true
		case kind == OptSACK:
			h.SACKLen = len(data) / 8
		case kind == OptTimestamp && len(data) == 8:
			h.HasTS = true
			h.TSval = binary.BigEndian.Uint32(data[0:4])
			h.TSecr = binary.BigEndian.Uint32(data[4:8])
		}
	}
	return nil
}

// OptionString describes the options the way the chapter prints them:
// values that stay the same from run to run (MSS, window scale) in full,
// timestamps by name only, since they are a clock.
func (h TCP) OptionString() string {
	var s []string
	for _, o := range h.Options {
		switch o.Kind {
		case OptMSS:
			s = append(s, fmt.Sprintf("mss=%d", h.MSS))
		case OptWScale:
			s = append(s, fmt.Sprintf("wscale=%d", h.WScale))
		case OptSACKPerm:
			s = append(s, "sackOK")
		case OptSACK:
			s = append(s, fmt.Sprintf("sack=%d", h.SACKLen))
		case OptTimestamp:
			s = append(s, "ts")
		default:
			s = append(s, fmt.Sprintf("opt%d", o.Kind))
		}
	}
	return strings.Join(s, " ")
}

// IP is the part of an IPv4 or IPv6 header that locates a segment.
type IP struct {
	Version int
	Src     netip.Addr
	Dst     netip.Addr
	Proto   uint8 // protocol (IPv4) or next header (IPv6)
	HdrLen  int   // bytes before the transport header
	TTL     uint8 // time to live (IPv4) or hop limit (IPv6)
}

// ParseIP decodes an IPv4 or IPv6 header (the version nibble says which)
// and returns the transport-layer bytes it carries, trimmed to the length
// the header announces. IPv6 extension headers are not followed.
func ParseIP(b []byte) (IP, []byte, error) {
	var ip IP
	if len(b) < 1 {
		return ip, nil, errors.New("ip header: empty")
	}
	ip.Version = int(b[0] >> 4)
	switch ip.Version {
	case 4:
		if len(b) < 20 {
			return ip, nil, fmt.Errorf("ipv4 header: %d bytes", len(b))
		}
		// IHL, like the TCP data offset, counts 32-bit words.
		ip.HdrLen = int(b[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(b[2:4]))
		if ip.HdrLen < 20 || total < ip.HdrLen || total > len(b) {
			return ip, nil, fmt.Errorf("ipv4 header: ihl %d, total %d,"+
				" have %d", ip.HdrLen, total, len(b))
		}
		ip.TTL = b[8]
		ip.Proto = b[9]
		ip.Src = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		ip.Dst = netip.AddrFrom4([4]byte{b[16], b[17], b[18], b[19]})
		return ip, b[ip.HdrLen:total], nil
	case 6:
		if len(b) < 40 {
			return ip, nil, fmt.Errorf("ipv6 header: %d bytes", len(b))
		}
		ip.HdrLen = 40
		plen := int(binary.BigEndian.Uint16(b[4:6]))
		if 40+plen > len(b) {
			return ip, nil, fmt.Errorf("ipv6 payload: %d bytes, have %d",
				plen, len(b)-40)
		}
		ip.Proto = b[6]
		ip.TTL = b[7]
		var src, dst [16]byte
		copy(src[:], b[8:24])
		copy(dst[:], b[24:40])
		ip.Src = netip.AddrFrom16(src)
		ip.Dst = netip.AddrFrom16(dst)
		return ip, b[40 : 40+plen], nil
	}
	return ip, nil, fmt.Errorf("ip header: version %d", ip.Version)
}

// Segment is one decoded TCP segment with its addresses.
type Segment struct {
	IP      IP
	TCP     TCP
	Payload []byte
}

// Src and Dst return the two ends of the segment as address:port.
func (s Segment) Src() netip.AddrPort {
	return netip.AddrPortFrom(s.IP.Src, s.TCP.SrcPort)
}

// Dst returns the destination as address:port.
func (s Segment) Dst() netip.AddrPort {
	return netip.AddrPortFrom(s.IP.Dst, s.TCP.DstPort)
}

// ErrNotTCP is returned for a frame that carries no TCP segment (ARP,
// UDP, ICMP, ...). Callers skip such frames.
var ErrNotTCP = errors.New("not a TCP segment")

// ParseFrame decodes an Ethernet frame as captured on Linux, loopback
// included (the lo interface has a 14-byte Ethernet header with zero
// addresses): destination MAC, source MAC, EtherType, then the IP packet.
func ParseFrame(frame []byte) (Segment, error) {
	var s Segment
	if len(frame) < 14 {
		return s, fmt.Errorf("ethernet frame: %d bytes", len(frame))
	}
	et := binary.BigEndian.Uint16(frame[12:14])
	if et != EtherTypeIPv4 && et != EtherTypeIPv6 {
		return s, ErrNotTCP
	}
	return ParsePacket(frame[14:])
}

// ParsePacket decodes an IP packet that carries a TCP segment.
func ParsePacket(pkt []byte) (Segment, error) {
	var s Segment
	ip, l4, err := ParseIP(pkt)
	if err != nil {
		return s, err
	}
	if ip.Proto != ProtoTCP {
		return s, ErrNotTCP
	}
	h, payload, err := ParseTCP(l4)
	if err != nil {
		return s, err
	}
	s.IP, s.TCP, s.Payload = ip, h, payload
	return s, nil
}

// region checksum
// Checksum computes the Internet checksum of RFC 1071 over the TCP
// segment seg (header and payload) and the pseudo-header made of the two
// addresses, the protocol number and the segment length. It is a 16-bit
// ones' complement sum, not a CRC. Over a segment whose checksum field is
// correct, the result is 0.
func Checksum(src, dst netip.Addr, seg []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for len(b) >= 2 {
			sum += uint32(b[0])<<8 | uint32(b[1])
			b = b[2:]
		}
		if len(b) == 1 {
			sum += uint32(b[0]) << 8
		}
	}
	if src.Is4() {
		s4, d4 := src.As4(), dst.As4()
		add(s4[:])
		add(d4[:])
	} else {
		s16, d16 := src.As16(), dst.As16()
		add(s16[:])
		add(d16[:])
	}
	n := len(seg)
	add([]byte{0, ProtoTCP, byte(n >> 8), byte(n)})
	add(seg)
	// Fold the carries back in: that is what makes it a ones'
	// complement sum.
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// endregion checksum
