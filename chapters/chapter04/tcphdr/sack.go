package tcphdr

import "encoding/binary"

// SACKBlock is one block of a SACK option (RFC 2018): the receiver has
// the bytes from Left up to, not including, Right, beyond the point
// its acknowledgement number reaches.
type SACKBlock struct {
	Left, Right uint32
}

// SACKBlocks returns the blocks of the header's SACK option, in the
// order sent (the most recently changed block first), or nil.
func (h TCP) SACKBlocks() []SACKBlock {
	var blocks []SACKBlock
	for _, o := range h.Options {
		if o.Kind != OptSACK {
			continue
		}
		// Each block is two 32-bit sequence numbers.
		for b := o.Data; len(b) >= 8; b = b[8:] {
			blocks = append(blocks, SACKBlock{
				Left:  binary.BigEndian.Uint32(b[0:4]),
				Right: binary.BigEndian.Uint32(b[4:8]),
			})
		}
	}
	return blocks
}
