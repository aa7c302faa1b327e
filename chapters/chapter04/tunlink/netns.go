package tunlink

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// The environment of a copy of the program started by Start: which
// side it is, and the link's settings it applies inside its namespace.
const (
	envSide   = "TUNLINK_SIDE"   // "a" or "b"
	envMTU    = "TUNLINK_MTU"    // of the TUN device
	envSysctl = "TUNLINK_SYSCTL" // net.x=v, separated by spaces
	ctlFD     = 3                // the unix socket to the parent (ExtraFiles[0])
	devName   = "tun0"
)

// ioctl request numbers (linux/if_tun.h, linux/sockios.h).
const (
	tunSetIff     = 0x400454ca // TUNSETIFF
	siocSIFADDR   = 0x8916
	siocSIFNETMSK = 0x891c
	siocGIFFLAGS  = 0x8913
	siocSIFFLAGS  = 0x8914
	siocSIFMTU    = 0x8922
	iffTUN        = 0x0001 // IFF_TUN: IP packets, no Ethernet header
	iffNoPI       = 0x1000 // IFF_NO_PI: no 4-byte packet-info prefix
	iffUp         = 0x1
)

// Side reports which end of a link this process is ("a" or "b"), or
// "" when Start did not start it.
func Side() string { return os.Getenv(envSide) }

// Addr returns the address of a side.
func Addr(side string) netip.Prefix {
	if side == "a" {
		return AddrA
	}
	return AddrB
}

// Join is what a copy of the program started by Start calls first. It
// runs inside a fresh network namespace (Start asked clone(2) for one):
// it brings lo up, opens a TUN device with the side's address, hands
// the device to the parent over the unix socket on descriptor 3 and
// waits there until the parent says go, which it does once the packets
// can flow. It returns the side's address. On failure it tells the
// parent why, so that the parent reports it in one line.
func Join() (netip.Prefix, error) {
	side := Side()
	addr := Addr(side)
	ctl := ctlFD
	defer syscall.Close(ctl)
	tun, err := setup(addr)
	if err != nil {
		// The parent reads this message instead of a descriptor.
		syscall.Write(ctl, []byte("error: "+err.Error()))
		return addr, err
	}
	// region pass
	// Pass the device to the parent. C: struct msghdr with one
	// SCM_RIGHTS control message holding the descriptor;
	//    sendmsg(ctl, &msg, 0)
	// The parent receives its own descriptor for the same open file.
	rights := syscall.UnixRights(tun)
	err = syscall.Sendmsg(ctl, []byte("tun"), rights, nil, 0)
	// endregion pass
	syscall.Close(tun)
	if err != nil {
		return addr, os.NewSyscallError("sendmsg", err)
	}
	// Wait for the parent's go. End of file means the parent is gone.
	var b [1]byte
	n, err := syscall.Read(ctl, b[:])
	if err != nil {
		return addr, os.NewSyscallError("read", err)
	}
	if n == 0 {
		return addr, errors.New("the link is gone")
	}
	return addr, nil
}

// setup runs in the new namespace and returns the TUN descriptor.
func setup(addr netip.Prefix) (int, error) {
	// A new namespace has nothing but a loopback device, and it is
	// down. Its sysctls under net. start from their defaults and
	// belong to it alone. IPv6 is switched off so that the devices
	// stay quiet (no router solicitations on the link).
	writeSysctl("net.ipv6.conf.all.disable_ipv6", "1")
	writeSysctl("net.ipv6.conf.default.disable_ipv6", "1")
	for _, s := range strings.Fields(os.Getenv(envSysctl)) {
		k, v, _ := strings.Cut(s, "=")
		if err := writeSysctl(k, v); err != nil {
			return -1, err
		}
	}
	mtu, _ := strconv.Atoi(os.Getenv(envMTU))
	if mtu == 0 {
		mtu = 1500
	}

	// region tun
	// Step 1: open(2) the clone device. C: fd = open("/dev/net/tun", O_RDWR)
	fd, err := syscall.Open("/dev/net/tun", syscall.O_RDWR|
		syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("open /dev/net/tun", err)
	}
	// Step 2: ioctl(2) TUNSETIFF. C: struct ifreq ifr = {0};
	//    strcpy(ifr.ifr_name, "tun0");
	//    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	//    ioctl(fd, TUNSETIFF, &ifr)
	// This creates the device tun0 in the namespace and ties it to fd:
	// what the kernel routes to tun0 is read from fd, what is written
	// to fd comes out of tun0 as if received. This is the call that
	// needs CAP_NET_ADMIN.
	var ifr [40]byte // struct ifreq: a 16-byte name, then a union
	copy(ifr[:], devName)
	binary.NativeEndian.PutUint16(ifr[16:], iffTUN|iffNoPI)
	if err := ioctl(fd, tunSetIff, &ifr); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("ioctl TUNSETIFF", err)
	}
	// endregion tun
	if err := ifconfig(addr, mtu); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// ifconfig gives tun0 its address, mask and MTU and brings it and lo
// up: what "ip addr add 10.77.0.1/24 dev tun0; ip link set tun0 up"
// does, in the older ioctl form that ifconfig(8) uses.
func ifconfig(addr netip.Prefix, mtu int) error {
	// Interface ioctls go through any socket of the family.
	s, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|
		syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(s)

	// region ifconfig
	// C: ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr = addr;
	//    ioctl(s, SIOCSIFADDR, &ifr)
	if err := ifreqIPv4(s, siocSIFADDR, addr.Addr()); err != nil {
		return os.NewSyscallError("ioctl SIOCSIFADDR", err)
	}
	// The mask makes 10.77.0.0/24 reachable through tun0: the
	// kernel adds that route when the device comes up.
	mask := netip.AddrFrom4([4]byte{255, 255, 255, 0})
	if err := ifreqIPv4(s, siocSIFNETMSK, mask); err != nil {
		return os.NewSyscallError("ioctl SIOCSIFNETMASK", err)
	}
	// C: ifr.ifr_mtu = 1500; ioctl(s, SIOCSIFMTU, &ifr)
	var ifr [40]byte
	copy(ifr[:], devName)
	binary.NativeEndian.PutUint32(ifr[16:], uint32(mtu))
	if err := ioctl(s, siocSIFMTU, &ifr); err != nil {
		return os.NewSyscallError("ioctl SIOCSIFMTU", err)
	}
	// C: ioctl(s, SIOCGIFFLAGS, &ifr); ifr.ifr_flags |= IFF_UP;
	//    ioctl(s, SIOCSIFFLAGS, &ifr)
	for _, dev := range []string{"lo", devName} {
		if err := linkUp(s, dev); err != nil {
			return err
		}
	}
	// endregion ifconfig
	return nil
}

func ifreqIPv4(s int, req uintptr, ip netip.Addr) error {
	var ifr [40]byte
	copy(ifr[:], devName)
	// struct sockaddr_in at offset 16: family (host order), port,
	// address (network order).
	binary.NativeEndian.PutUint16(ifr[16:], syscall.AF_INET)
	a := ip.As4()
	copy(ifr[20:24], a[:])
	return ioctl(s, req, &ifr)
}

func linkUp(s int, dev string) error {
	var ifr [40]byte
	copy(ifr[:], dev)
	if err := ioctl(s, siocGIFFLAGS, &ifr); err != nil {
		return os.NewSyscallError("ioctl SIOCGIFFLAGS "+dev, err)
	}
	flags := binary.NativeEndian.Uint16(ifr[16:])
	binary.NativeEndian.PutUint16(ifr[16:], flags|iffUp)
	if err := ioctl(s, siocSIFFLAGS, &ifr); err != nil {
		return os.NewSyscallError("ioctl SIOCSIFFLAGS "+dev, err)
	}
	return nil
}

// ioctl is ioctl(2) with a pointer to a struct ifreq.
func ioctl(fd int, req uintptr, ifr *[40]byte) error {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req,
		uintptr(unsafe.Pointer(ifr)))
	if e != 0 {
		return e
	}
	return nil
}

// writeSysctl sets net.X.Y to v through /proc/sys/net/X/Y, which
// shows the sysctls of the writer's own network namespace.
func writeSysctl(k, v string) error {
	path := filepath.Join("/proc/sys", strings.ReplaceAll(k, ".", "/"))
	if err := os.WriteFile(path, []byte(v), 0o644); err != nil {
		return fmt.Errorf("sysctl %s=%s: %w", k, v, err)
	}
	return nil
}

// ReadSysctl reads a sysctl of this process's network namespace.
func ReadSysctl(k string) (string, error) {
	path := filepath.Join("/proc/sys", strings.ReplaceAll(k, ".", "/"))
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}
