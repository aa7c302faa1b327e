// Package sockarg checks the <ip> <port> arguments that the chapters'
// servers and clients take, so that every program refuses bad input
// with the same one-line message.
//
// The course's C programs do not check them: inet_pton's failure is
// ignored (the sockaddr_in is then whatever was on the stack) and the
// port goes through atoi into a short, so junk becomes 0 and 70000
// becomes 4464. Here both are errors.
package sockarg

import (
	"fmt"
	"net/netip"
	"strconv"
)

// ParseAddr parses a numeric IPv4 or IPv6 address without a zone and
// a decimal port from 0 to 65535.
func ParseAddr(ipText, portText string) (netip.AddrPort, error) {
	ip, err := netip.ParseAddr(ipText)
	if err != nil || ip.Zone() != "" {
		return netip.AddrPort{}, fmt.Errorf("invalid ip address %q", ipText)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return netip.AddrPort{},
			fmt.Errorf("invalid port %q (want 0-65535)", portText)
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}
