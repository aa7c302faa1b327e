package main

import (
	"encoding/binary"
	"fmt"
	"testing"
)

func TestAttr(t *testing.T) {
	for _, c := range []struct {
		typ      int
		value    []byte
		length   int // the rta_len field: header and value, no padding
		occupies int // bytes taken, padded to a multiple of 4
	}{
		{3, cstr("mc0"), 8, 8},
		{1, []byte("veth"), 8, 8},
		{2, []byte{10, 0, 0, 1}, 8, 8},
		{1, []byte("dummy"), 9, 12},
		{18, nil, 4, 4},
		{3, cstr("a-longer-name"), 18, 20},
	} {
		b := attr(c.typ, c.value)
		if len(b) != c.occupies {
			t.Errorf("attr(%d, %q) takes %d bytes, want %d", c.typ, c.value,
				len(b), c.occupies)
			continue
		}
		if got := int(binary.NativeEndian.Uint16(b[0:2])); got != c.length {
			t.Errorf("attr(%d, %q): rta_len %d, want %d", c.typ, c.value,
				got, c.length)
		}
		if got := int(binary.NativeEndian.Uint16(b[2:4])); got != c.typ {
			t.Errorf("attr(%d, %q): rta_type %d", c.typ, c.value, got)
		}
		if string(b[4:4+len(c.value)]) != string(c.value) {
			t.Errorf("attr(%d, %q): value % x", c.typ, c.value, b[4:])
		}
		for _, pad := range b[4+len(c.value):] {
			if pad != 0 {
				t.Errorf("attr(%d, %q): padding % x", c.typ, c.value, b)
			}
		}
	}
}

func TestIfinfo(t *testing.T) {
	b := ifinfo(7, 1)
	if len(b) != 16 {
		t.Fatalf("ifinfomsg is %d bytes, want 16", len(b))
	}
	index := binary.NativeEndian.Uint32(b[4:8])
	flags := binary.NativeEndian.Uint32(b[8:12])
	change := binary.NativeEndian.Uint32(b[12:16])
	if b[0] != 0 || index != 7 || flags != 1 || change != 1 {
		t.Errorf("ifinfo(7, IFF_UP) = % x", b)
	}
}

// The veth request nests attributes three deep: IFLA_LINKINFO holds
// the kind and IFLA_INFO_DATA, which holds VETH_INFO_PEER, which holds
// the peer's own ifinfomsg and name.
func Example_attr() {
	peer := append(ifinfo(0, 0), attr(3, cstr("mc1"))...)
	data := attr(iflaInfoData, attr(vethInfoPeer, peer))
	info := attr(18, concat(attr(iflaInfoKind, []byte("veth")), data))
	fmt.Println(len(peer), len(data), len(info))
	// Output: 24 32 44
}
