// Multicast sends UDP datagrams to a multicast group and shows who
// gets them: the sockets that joined the group (IP_ADD_MEMBERSHIP),
// not the one that did not, with IP_MULTICAST_LOOP and
// IP_MULTICAST_TTL deciding whether a copy stays on this host and
// whether one goes out on the link.
//
// lo cannot show this: it has no MULTICAST flag, and on lo the kernel
// ignores IP_MULTICAST_LOOP (every datagram sent on lo comes back in).
// So the program runs its experiment in a private network namespace
// of its own, with a virtual link (a veth pair, mc0 and mc1), which
// vanishes when it exits. That needs CAP_SYS_ADMIN and CAP_NET_ADMIN
// (root). Without them, multicast says so in one line and prints the
// output of a live run recorded in testdata/multicast.txt.
//
// Usage:
//
//	multicast [-recorded]
//
// -recorded prints the recording even when a live run is possible.
// "multicast netns-child" is the half that runs inside the namespace;
// the program starts it itself.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// recording is the output of a live run, shown when none is possible.
const recording = "testdata/multicast.txt"

// exitDenied is the child's status when the kernel refused to set up
// the namespace's links for lack of a privilege.
const exitDenied = 3

const usage = "usage: multicast [-recorded]"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "multicast: error: %v\n", err)
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		if _, ok := err.(*deniedError); ok {
			os.Exit(exitDenied)
		}
		os.Exit(1)
	}
}

// deniedError is a setup step the kernel refused (EPERM, EACCES).
type deniedError struct{ err error }

func (e *deniedError) Error() string { return e.err.Error() }

func run(args []string) error {
	if len(args) == 1 && args[0] == "netns-child" {
		if err := setup(); err != nil {
			if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
				return &deniedError{err}
			}
			return err
		}
		return lesson()
	}
	fs := flag.NewFlagSet("multicast", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	recorded := fs.Bool("recorded", false, "print the recorded output")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return &usageError{"unexpected argument " + fs.Arg(0)}
	}
	if *recorded {
		return showRecorded()
	}
	return inNamespace()
}

// region namespace
// inNamespace runs this program again as "netns-child" in a network
// namespace of its own: CLONE_NEWNET gives the child a network stack
// with nothing but a loopback device, which the kernel removes, with
// every link in it, when the child exits.
func inNamespace() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "netns-child")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET,
		// If we die, the child dies too, and the namespace with it.
		Pdeathsig: syscall.SIGKILL,
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	// clone(2) with CLONE_NEWNET needs CAP_SYS_ADMIN: EPERM here.
	// Setting up links inside needs CAP_NET_ADMIN: exitDenied.
	if pe, ok := err.(*os.PathError); ok && pe.Err == syscall.EPERM {
		return fallback(pe.Op + ": " + pe.Err.Error())
	}
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == exitDenied {
		msg := strings.TrimPrefix(strings.TrimSpace(errOut.String()),
			"multicast: error: ")
		return fallback(msg)
	}
	os.Stdout.Write(out.Bytes())
	os.Stderr.Write(errOut.Bytes())
	if err != nil {
		return fmt.Errorf("namespace child: %w", err)
	}
	return nil
}

// endregion namespace

// fallback says in one line why there is no live run, then shows the
// recording.
func fallback(why string) error {
	fmt.Fprintf(os.Stderr, "multicast: cannot set up a private network "+
		"namespace without CAP_SYS_ADMIN and CAP_NET_ADMIN (%s); "+
		"showing a recorded output\n", why)
	return showRecorded()
}

func showRecorded() error {
	path, err := findRecorded(recording)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fmt.Printf("recorded (%s), not run now:\n", recording)
	os.Stdout.Write(b)
	return nil
}

// findRecorded looks for the recording in the program's directory when
// the notebook runner plays it (it names that directory in
// NOTEBOOK_PROGRAM), else from the current directory upwards.
func findRecorded(rel string) (string, error) {
	if dir := os.Getenv("NOTEBOOK_PROGRAM"); dir != "" {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		for _, sub := range []string{
			rel,
			filepath.Join("multicast", rel),
			filepath.Join("chapters", "chapter05", "multicast", rel),
		} {
			p := filepath.Join(dir, sub)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("recorded output %s not found; "+
				"run from the repository", rel)
		}
		dir = parent
	}
}

// The namespace's addresses: mc0 is "this host's" end of the virtual
// cable, mc1 the other end.
var (
	group = [4]byte{239, 1, 2, 3} // administratively scoped (RFC 2365)
	mc0IP = [4]byte{10, 0, 0, 1}
	mc1IP = [4]byte{10, 0, 0, 2}
)

// port is fixed: in a namespace of our own, nothing else can have it.
const port = 5000

// region receiver
// member opens a socket bound to the group and port. If join is set
// it joins the group on the interface that has address ifAddr.
func member(join bool, ifAddr [4]byte, all bool) (int, error) {
	// C: fd = socket(AF_INET, SOCK_DGRAM, 0)
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	// Several receivers share the port. C: setsockopt(fd,
	// SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET,
		syscall.SO_REUSEADDR, 1); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}
	// Bound to the group address, the socket gets that group's
	// datagrams and nothing else sent to the port.
	// C: bind(fd, (struct sockaddr *)&grp, sizeof grp)
	sa := &syscall.SockaddrInet4{Port: port, Addr: group}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("bind", err)
	}
	// IP_MULTICAST_ALL is 1 by default on Linux: a socket then gets
	// the datagrams of every group joined by ANY socket of the host,
	// on any interface. 0 keeps it to its own memberships (ip(7)).
	// C: setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof zero)
	if !all {
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IP,
			ipMulticastAll, 0); err != nil {
			syscall.Close(fd)
			return -1, os.NewSyscallError("setsockopt", err)
		}
	}
	// Deliver each datagram's TTL in a control message.
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IP,
		syscall.IP_RECVTTL, 1); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}
	if join {
		// Join the group on one interface, named by its address.
		// C: struct ip_mreq mreq = {.imr_multiaddr = group,
		//                           .imr_interface = ifaddr};
		//    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP,
		//               &mreq, sizeof mreq)
		mreq := &syscall.IPMreq{Multiaddr: group, Interface: ifAddr}
		if err := syscall.SetsockoptIPMreq(fd, syscall.IPPROTO_IP,
			syscall.IP_ADD_MEMBERSHIP, mreq); err != nil {
			syscall.Close(fd)
			return -1, os.NewSyscallError("setsockopt", err)
		}
	}
	return fd, nil
}

// endregion receiver

// ipMulticastAll is IP_MULTICAST_ALL from <linux/in.h>, which the
// syscall package does not define.
const ipMulticastAll = 49

// region sender
// sender opens the sending socket: multicast leaves by mc0.
func sender() (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	// The interface multicast leaves by, named by its address: an
	// address of this host, not the group's.
	// C: struct in_addr ifaddr = {inet_addr("10.0.0.1")};
	//    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifaddr, sizeof ifaddr)
	if err := syscall.SetsockoptInet4Addr(fd, syscall.IPPROTO_IP,
		syscall.IP_MULTICAST_IF, mc0IP); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}
	return fd, nil
}

// endregion sender

// who is one receiver in the table.
type who struct {
	name string
	fd   int
}

// region lesson
func lesson() error {
	fmt.Println("private network namespace: mc0 10.0.0.1/24 and mc1 " +
		"10.0.0.2/24, the two ends of a veth pair")
	tx, err := sender()
	if err != nil {
		return err
	}
	defer syscall.Close(tx)
	ttl, _ := syscall.GetsockoptInt(tx, syscall.IPPROTO_IP, syscall.IP_MULTICAST_TTL)
	loop, _ := syscall.GetsockoptInt(tx, syscall.IPPROTO_IP, syscall.IP_MULTICAST_LOOP)
	fmt.Printf("sender: IP_MULTICAST_IF 10.0.0.1 (mc0); defaults: "+
		"IP_MULTICAST_TTL %d, IP_MULTICAST_LOOP %d\n", ttl, loop)

	// The course's mistake: the group's address as IP_MULTICAST_IF.
	err = syscall.SetsockoptInet4Addr(tx, syscall.IPPROTO_IP,
		syscall.IP_MULTICAST_IF, group)
	fmt.Printf("IP_MULTICAST_IF given the group 239.1.2.3: %s\n", errName(err))

	var rs []who
	for _, r := range []struct {
		name   string
		join   bool
		ifAddr [4]byte
		all    bool
	}{
		{"A", true, mc0IP, false},
		{"B", true, mc0IP, false},
		{"C", false, mc0IP, false},
		{"D", false, mc0IP, true},
		{"E", true, mc1IP, false},
	} {
		fd, err := member(r.join, r.ifAddr, r.all)
		if err != nil {
			return fmt.Errorf("receiver %s: %w", r.name, err)
		}
		defer syscall.Close(fd)
		rs = append(rs, who{r.name, fd})
	}
	fmt.Println("receivers, each bound to 239.1.2.3:5000:")
	fmt.Println("  A, B  joined on mc0 (this host)")
	fmt.Println("  C     not joined, IP_MULTICAST_ALL 0")
	fmt.Println("  D     not joined, IP_MULTICAST_ALL left at 1")
	fmt.Println("  E     joined on mc1 (the other end of the cable)")
	if err := awaitLink(tx, rs[4].fd); err != nil {
		return err
	}
	// Throw away the probes the others got (D gets them all).
	buf := make([]byte, 64)
	for _, r := range rs {
		for {
			_, _, err := syscall.Recvfrom(r.fd, buf, syscall.MSG_DONTWAIT)
			if err != nil {
				break
			}
		}
	}

	fmt.Println()
	fmt.Println("what each receiver got (ttl=N: one copy, with the TTL it arrived with)")
	head := fmt.Sprintf("%-26s", "sent with")
	for _, r := range rs {
		head += fmt.Sprintf("  %-11s", r.name)
	}
	fmt.Println(strings.TrimRight(head, " "))
	steps := []struct {
		label     string
		loop, ttl int
		before    func() error
	}{
		{"loop 1, ttl 1 (defaults)", 1, 1, nil},
		{"loop 0, ttl 1", 0, 1, nil},
		{"loop 1, ttl 0", 1, 0, nil},
		{"loop 1, ttl 2", 1, 2, nil},
		{"A has left the group", 1, 1, func() error {
			// C: setsockopt(fd, IPPROTO_IP, IP_DROP_MEMBERSHIP,
			//               &mreq, sizeof mreq)
			mreq := &syscall.IPMreq{Multiaddr: group, Interface: mc0IP}
			return os.NewSyscallError("setsockopt",
				syscall.SetsockoptIPMreq(rs[0].fd, syscall.IPPROTO_IP,
					syscall.IP_DROP_MEMBERSHIP, mreq))
		}},
	}
	for i, s := range steps {
		if s.before != nil {
			if err := s.before(); err != nil {
				return err
			}
		}
		// C: setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, ...)
		//    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, ...)
		if err := syscall.SetsockoptInt(tx, syscall.IPPROTO_IP,
			syscall.IP_MULTICAST_LOOP, s.loop); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
		if err := syscall.SetsockoptInt(tx, syscall.IPPROTO_IP,
			syscall.IP_MULTICAST_TTL, s.ttl); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
		msg := []byte(fmt.Sprintf("step %d", i+1))
		to := &syscall.SockaddrInet4{Port: port, Addr: group}
		// C: sendto(fd, msg, len, 0, (struct sockaddr *)&grp, sizeof grp)
		if err := syscall.Sendto(tx, msg, 0, to); err != nil {
			return os.NewSyscallError("sendto", err)
		}
		row := fmt.Sprintf("%-26s", s.label)
		for _, r := range rs {
			got, err := collect(r.fd, string(msg))
			if err != nil {
				return fmt.Errorf("receiver %s: %w", r.name, err)
			}
			row += fmt.Sprintf("  %-11s", got)
		}
		fmt.Println(strings.TrimRight(row, " "))
	}
	return nil
}

// endregion lesson

// grace is how long a receiver waits for a copy that may not come.
// Copies sent over loopback and veth are normally delivered before
// sendto returns (the kernel runs its receive path on the way out), so
// 100 ms is ample.
const grace = 100 * time.Millisecond

// collect reads the copies of msg queued for fd within grace and says
// what came: "-" for none, "ttl=N" for each copy.
func collect(fd int, msg string) (string, error) {
	tv := syscall.NsecToTimeval(grace.Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET,
		syscall.SO_RCVTIMEO, &tv); err != nil {
		return "", os.NewSyscallError("setsockopt", err)
	}
	var got []string
	buf := make([]byte, 64)
	oob := make([]byte, syscall.CmsgSpace(4))
	for {
		// C: recvmsg(fd, &msg, 0), its control messages hold IP_TTL
		n, oobn, _, _, err := syscall.Recvmsg(fd, buf, oob, 0)
		if err == syscall.EAGAIN {
			break
		}
		if err != nil {
			return "", os.NewSyscallError("recvmsg", err)
		}
		if string(buf[:n]) != msg {
			return "", fmt.Errorf("got %q, want %q", buf[:n], msg)
		}
		got = append(got, "ttl="+ttlOf(oob[:oobn]))
		// Once one copy is here, a second would be too.
		tv := syscall.NsecToTimeval(int64(10 * time.Millisecond))
		if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET,
			syscall.SO_RCVTIMEO, &tv); err != nil {
			return "", os.NewSyscallError("setsockopt", err)
		}
	}
	if len(got) == 0 {
		return "-", nil
	}
	return strings.Join(got, ","), nil
}

// ttlOf reads the IP_TTL control message that IP_RECVTTL asks for.
func ttlOf(oob []byte) string {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return "?"
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.IPPROTO_IP &&
			m.Header.Type == syscall.IP_TTL && len(m.Data) >= 4 {
			return fmt.Sprint(binary.NativeEndian.Uint32(m.Data))
		}
	}
	return "?"
}

// awaitLink waits until a datagram sent out of mc0 reaches E on mc1:
// the kernel brings a veth link up in the background, and until then
// it drops what is sent. Each probe is sent with loop 0 so that only
// the copy on the cable counts; at most 200 probes, 10 ms apart.
func awaitLink(tx, e int) error {
	if err := syscall.SetsockoptInt(tx, syscall.IPPROTO_IP,
		syscall.IP_MULTICAST_LOOP, 0); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	tv := syscall.NsecToTimeval(int64(10 * time.Millisecond))
	if err := syscall.SetsockoptTimeval(e, syscall.SOL_SOCKET,
		syscall.SO_RCVTIMEO, &tv); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	to := &syscall.SockaddrInet4{Port: port, Addr: group}
	buf := make([]byte, 64)
	for i := 0; i < 200; i++ {
		if err := syscall.Sendto(tx, []byte("probe"), 0, to); err != nil {
			return os.NewSyscallError("sendto", err)
		}
		_, _, err := syscall.Recvfrom(e, buf, 0)
		if err == nil {
			return nil
		}
		if err != syscall.EAGAIN {
			return os.NewSyscallError("recvfrom", err)
		}
	}
	return errors.New("the veth link did not come up within 2s")
}

// errName names an errno as C does, for the output.
func errName(err error) string {
	if err == nil {
		return "ok"
	}
	names := map[syscall.Errno]string{
		syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL", syscall.EINVAL: "EINVAL",
		syscall.EADDRINUSE: "EADDRINUSE",
	}
	if e, ok := err.(syscall.Errno); ok && names[e] != "" {
		return e.Error() + " (" + names[e] + ")"
	}
	return err.Error()
}

// region setup
// setup builds the namespace's network: lo up, a veth pair mc0-mc1,
// an address on each end, both up. It talks rtnetlink, the protocol
// the ip(8) command speaks: "ip link add mc0 type veth peer name mc1",
// "ip addr add 10.0.0.1/24 dev mc0", "ip link set mc0 up", ...
func setup() error {
	// No IPv6: its router and neighbour solicitations would be
	// traffic of their own on the link.
	for _, p := range []string{"all", "default"} {
		os.WriteFile("/proc/sys/net/ipv6/conf/"+p+"/disable_ipv6",
			[]byte("1"), 0o644)
	}
	nl, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW,
		syscall.NETLINK_ROUTE)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(nl)
	if err := syscall.Bind(nl, &syscall.SockaddrNetlink{
		Family: syscall.AF_NETLINK}); err != nil {
		return os.NewSyscallError("bind", err)
	}

	peer := append(ifinfo(0, 0), attr(syscall.IFLA_IFNAME, cstr("mc1"))...)
	veth := append(ifinfo(0, 0),
		attr(syscall.IFLA_IFNAME, cstr("mc0"))...)
	veth = append(veth, attr(syscall.IFLA_LINKINFO, concat(
		attr(iflaInfoKind, []byte("veth")),
		attr(iflaInfoData, attr(vethInfoPeer, peer)),
	))...)
	if err := request(nl, syscall.RTM_NEWLINK,
		syscall.NLM_F_CREATE|syscall.NLM_F_EXCL, veth); err != nil {
		return fmt.Errorf("create veth pair: %w", err)
	}
	// A packet from our own address arriving on mc1 would be dropped
	// as spoofed: allow it, since both ends are in this one host.
	for _, f := range []string{"accept_local", "rp_filter"} {
		v := "1"
		if f == "rp_filter" {
			v = "0"
		}
		err := os.WriteFile("/proc/sys/net/ipv4/conf/mc1/"+f, []byte(v), 0o644)
		if err != nil {
			return err
		}
	}
	for _, l := range []struct {
		name string
		ip   [4]byte
	}{{"lo", [4]byte{}}, {"mc0", mc0IP}, {"mc1", mc1IP}} {
		ifi, err := net.InterfaceByName(l.name)
		if err != nil {
			return err
		}
		if l.ip != [4]byte{} {
			body := ifaddr(ifi.Index, 24)
			body = append(body, attr(syscall.IFA_LOCAL, l.ip[:])...)
			body = append(body, attr(syscall.IFA_ADDRESS, l.ip[:])...)
			if err := request(nl, syscall.RTM_NEWADDR,
				syscall.NLM_F_CREATE|syscall.NLM_F_EXCL, body); err != nil {
				return fmt.Errorf("address for %s: %w", l.name, err)
			}
		}
		up := ifinfo(ifi.Index, syscall.IFF_UP)
		if err := request(nl, syscall.RTM_NEWLINK, 0, up); err != nil {
			return fmt.Errorf("set %s up: %w", l.name, err)
		}
	}
	return nil
}

// endregion setup

// Attribute types of <linux/if_link.h> and <linux/veth.h> that the
// syscall package does not define.
const (
	iflaInfoKind = 1
	iflaInfoData = 2
	vethInfoPeer = 1
)

// request sends one rtnetlink message and waits for its acknowledgement.
func request(nl int, typ, flags int, body []byte) error {
	msg := make([]byte, syscall.NLMSG_HDRLEN, syscall.NLMSG_HDRLEN+len(body))
	msg = append(msg, body...)
	binary.NativeEndian.PutUint32(msg[0:4], uint32(len(msg)))
	binary.NativeEndian.PutUint16(msg[4:6], uint16(typ))
	binary.NativeEndian.PutUint16(msg[6:8],
		uint16(syscall.NLM_F_REQUEST|syscall.NLM_F_ACK|flags))
	binary.NativeEndian.PutUint32(msg[8:12], 1) // sequence number
	if err := syscall.Sendto(nl, msg, 0,
		&syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return os.NewSyscallError("sendto", err)
	}
	buf := make([]byte, 8192)
	n, _, err := syscall.Recvfrom(nl, buf, 0)
	if err != nil {
		return os.NewSyscallError("recvfrom", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Header.Type == syscall.NLMSG_ERROR && len(m.Data) >= 4 {
			// The acknowledgement is an "error" of 0.
			code := int32(binary.NativeEndian.Uint32(m.Data[:4]))
			if code != 0 {
				return os.NewSyscallError("netlink", syscall.Errno(-code))
			}
			return nil
		}
	}
	return errors.New("netlink: no acknowledgement")
}

// ifinfo is a struct ifinfomsg for interface index, flags to set.
func ifinfo(index int, flags uint32) []byte {
	b := make([]byte, syscall.SizeofIfInfomsg)
	b[0] = syscall.AF_UNSPEC
	binary.NativeEndian.PutUint32(b[4:8], uint32(index))
	binary.NativeEndian.PutUint32(b[8:12], flags)  // ifi_flags
	binary.NativeEndian.PutUint32(b[12:16], flags) // ifi_change
	return b
}

// ifaddr is a struct ifaddrmsg for an IPv4 address on index.
func ifaddr(index, prefix int) []byte {
	b := make([]byte, syscall.SizeofIfAddrmsg)
	b[0] = syscall.AF_INET
	b[1] = byte(prefix)
	binary.NativeEndian.PutUint32(b[4:8], uint32(index))
	return b
}

// attr encodes one rtnetlink attribute: length, type, value, padding
// to a multiple of 4 bytes.
func attr(typ int, value []byte) []byte {
	n := syscall.SizeofRtAttr + len(value)
	b := make([]byte, (n+3)&^3)
	binary.NativeEndian.PutUint16(b[0:2], uint16(n))
	binary.NativeEndian.PutUint16(b[2:4], uint16(typ))
	copy(b[syscall.SizeofRtAttr:], value)
	return b
}

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// cstr is s with the NUL byte C strings end with.
func cstr(s string) []byte { return append([]byte(s), 0) }
