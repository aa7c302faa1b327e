// half-close shows shutdown(2) between the two ends of a loopback TCP
// connection: SHUT_WR closes one direction and leaves the other open,
// SHUT_RD does less than its name says, and close(2) closes both.
//
// Usage:
//
//	half-close [scenario]
//
// The scenarios are:
//
//	shut-wr   the client sends a request, shuts its sending side and
//	          still reads the answer (the default)
//	shut-rd   what SHUT_RD really does on Linux
//	close     close(2) instead of shutdown: the peer's data meets RST
//	all       all three, one after the other
//
// After the steps that change a state the program prints the states
// of both ends, read from /proc/net/tcp.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tcpnotebook/tcpnotebook/internal/procnet"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "half-close: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError marks a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

var scenarios = []string{"shut-wr", "shut-rd", "close"}

func run(args []string) error {
	name := "shut-wr"
	if len(args) > 1 {
		return &usageError{"usage: half-close [scenario]"}
	}
	if len(args) == 1 {
		name = args[0]
	}
	todo := []string{name}
	if name == "all" {
		todo = scenarios
	}
	for i, s := range todo {
		if i > 0 {
			fmt.Println()
		}
		var err error
		switch s {
		case "shut-wr":
			err = shutWr()
		case "shut-rd":
			err = shutRd()
		case "close":
			err = closeBoth()
		default:
			return &usageError{fmt.Sprintf(
				"unknown scenario %q (want %s or all)",
				s, strings.Join(scenarios, ", "))}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// kernelTable reads the rows of /proc/net/tcp that mention port; this
// program only uses 127.0.0.1, so it needs no /proc/net/tcp6.
func kernelTable(port int) ([]procnet.Entry, error) {
	return procnet.ReadPort(procnet.TCP4, port)
}

// end is one side of the connection: its two addresses find its row.
type end struct{ local, remote string }

// lookup returns the end's row; state "-" when the kernel has none.
func lookup(t []procnet.Entry, e end) procnet.Entry {
	for _, x := range t {
		if x.Local == e.local && x.Remote == e.remote {
			return x
		}
	}
	return procnet.Entry{State: "-"}
}

// pair is a connected client and server, and their addresses.
type pair struct {
	cfd, sfd int
	c, s     end
}

// connect builds the connection with the raw calls of the C programs:
// socket, bind, listen, connect, accept. The listener is closed at
// once; the connection does not need it.
func connect() (*pair, error) {
	// C: lfd = socket(AF_INET, SOCK_STREAM, 0)
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	defer syscall.Close(lfd)
	// C: bind(lfd, (struct sockaddr *)&addr, sizeof addr), port 0
	loop := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(lfd, loop); err != nil {
		return nil, os.NewSyscallError("bind", err)
	}
	// C: listen(lfd, 1)
	if err := syscall.Listen(lfd, 1); err != nil {
		return nil, os.NewSyscallError("listen", err)
	}
	sa, err := syscall.Getsockname(lfd)
	if err != nil {
		return nil, os.NewSyscallError("getsockname", err)
	}
	cfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	// C: connect(cfd, (struct sockaddr *)&addr, sizeof addr)
	if err := syscall.Connect(cfd, sa); err != nil {
		syscall.Close(cfd)
		return nil, os.NewSyscallError("connect", err)
	}
	// C: sfd = accept(lfd, (struct sockaddr *)&caddr, &len)
	sfd, _, err := syscall.Accept(lfd)
	if err != nil {
		syscall.Close(cfd)
		return nil, os.NewSyscallError("accept", err)
	}
	ca, err := syscall.Getsockname(cfd)
	if err != nil {
		syscall.Close(cfd)
		syscall.Close(sfd)
		return nil, os.NewSyscallError("getsockname", err)
	}
	saddr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	caddr := fmt.Sprintf("127.0.0.1:%d", ca.(*syscall.SockaddrInet4).Port)
	return &pair{cfd, sfd, end{caddr, saddr}, end{saddr, caddr}}, nil
}

func (p *pair) close() {
	if p.cfd >= 0 {
		syscall.Close(p.cfd)
	}
	if p.sfd >= 0 {
		syscall.Close(p.sfd)
	}
}

// waitFor polls the kernel's table, at most five seconds, until ok says
// yes, and returns the rows of both ends. Changes made by the peer's
// kernel can lag a moment behind the call that caused them.
func (p *pair) waitFor(ok func(c, s procnet.Entry) bool) (procnet.Entry,
	procnet.Entry, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		t, err := kernelTable(procnet.PortOf(p.s.local))
		if err != nil {
			return procnet.Entry{}, procnet.Entry{}, err
		}
		c, s := lookup(t, p.c), lookup(t, p.s)
		if ok(c, s) || time.Now().After(deadline) {
			return c, s, nil
		}
		time.Sleep(time.Millisecond)
	}
}

// states waits for the expected states and prints them.
func (p *pair) states(wantC, wantS string) error {
	c, s, err := p.waitFor(func(c, s procnet.Entry) bool {
		return c.State == wantC && s.State == wantS
	})
	if err != nil {
		return err
	}
	say("", fmt.Sprintf("client %s, server %s", c.State, s.State))
	return nil
}

// queued waits until n bytes sit in the client's receive queue (the
// rx_queue column), and prints how many there are.
func (p *pair) queued(n uint64) error {
	c, _, err := p.waitFor(func(c, s procnet.Entry) bool {
		return c.RxQueue == n
	})
	if err != nil {
		return err
	}
	say("", fmt.Sprintf("client's receive queue: %d bytes", c.RxQueue))
	return nil
}

// say prints one step: what happened, and what it means.
func say(step, what string) {
	fmt.Printf("  %-28s %s\n", step, what)
}

// readOnce makes one read(2) and describes its result.
func readOnce(fd int) string {
	buf := make([]byte, 256)
	n, err := syscall.Read(fd, buf)
	switch {
	case err != nil:
		return describeErr(err)
	case n == 0:
		return "0 bytes: end of file"
	}
	return fmt.Sprintf("%q", buf[:n])
}

// writeOnce makes one write(2) and describes its result.
func writeOnce(fd int, s string) string {
	n, err := syscall.Write(fd, []byte(s))
	if err != nil {
		return describeErr(err)
	}
	return fmt.Sprintf("%d bytes accepted", n)
}

// describeErr names an errno the way C's errno names do.
func describeErr(err error) string {
	names := map[syscall.Errno]string{
		syscall.EPIPE: "EPIPE", syscall.ECONNRESET: "ECONNRESET",
		syscall.ENOTCONN: "ENOTCONN",
	}
	if e, ok := err.(syscall.Errno); ok && names[e] != "" {
		return fmt.Sprintf("error %s (%v)", names[e], err)
	}
	return "error " + err.Error()
}

// region shut-wr
// shutWr: the classic use of a half-close. The client's request has no
// length field; shutting down its sending side is how it says "that is
// all", and the answer still flows back on the open direction.
func shutWr() error {
	fmt.Println("== shut-wr: the client is done sending, the server is not ==")
	p, err := connect()
	if err != nil {
		return err
	}
	defer p.close()
	say("client write", writeOnce(p.cfd, "2 3 5 7"))
	// C: shutdown(cfd, SHUT_WR). The kernel sends FIN after the data.
	if err := syscall.Shutdown(p.cfd, syscall.SHUT_WR); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	say("client shutdown(SHUT_WR)", "FIN sent after the data")
	if err := p.states("FIN_WAIT2", "CLOSE_WAIT"); err != nil {
		return err
	}
	// The server reads until end of file: only then is the request
	// known to be complete.
	var req []byte
	buf := make([]byte, 256)
	for {
		n, err := syscall.Read(p.sfd, buf)
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if n == 0 {
			break
		}
		req = append(req, buf[:n]...)
	}
	say("server reads to EOF", fmt.Sprintf("%q, then 0 bytes", req))
	sum := 0
	for _, f := range strings.Fields(string(req)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("request %q: %w", req, err)
		}
		sum += n
	}
	say("server write", writeOnce(p.sfd, fmt.Sprintf("sum %d", sum)))
	say("client read", readOnce(p.cfd)+": it still receives")
	// Writing on the shut direction fails with EPIPE. A C program also
	// gets SIGPIPE and dies unless it ignores it or sends with
	// MSG_NOSIGNAL; Go's runtime drops SIGPIPE for any descriptor but
	// 1 and 2 (sigpipe shut-wr shows both).
	say("client write again", writeOnce(p.cfd, "11"))
	// C: close(sfd). The server's FIN closes the other direction.
	err = syscall.Close(p.sfd)
	p.sfd = -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	say("server close()", "FIN sent")
	if err := p.states("TIME_WAIT", "-"); err != nil {
		return err
	}
	say("client read", readOnce(p.cfd))
	return nil
}

// endregion shut-wr

// region shut-rd
// shutRd shows SHUT_RD as Linux implements it for TCP: it sends
// nothing, discards nothing, and only makes read(2) return 0 instead
// of waiting when the receive queue is empty.
func shutRd() error {
	fmt.Println("== shut-rd: what SHUT_RD really does on Linux ==")
	p, err := connect()
	if err != nil {
		return err
	}
	defer p.close()
	say("server write", writeOnce(p.sfd, "before"))
	if err := p.queued(6); err != nil {
		return err
	}
	// C: shutdown(cfd, SHUT_RD)
	if err := syscall.Shutdown(p.cfd, syscall.SHUT_RD); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	say("client shutdown(SHUT_RD)", "no packet is sent:")
	if err := p.states("ESTABLISHED", "ESTABLISHED"); err != nil {
		return err
	}
	say("client read", readOnce(p.cfd)+": queued data is not discarded")
	say("client read", readOnce(p.cfd)+", at once: no waiting")
	say("server write", writeOnce(p.sfd, "after"))
	if err := p.queued(5); err != nil {
		return err
	}
	say("client read", readOnce(p.cfd)+": new data is still delivered")
	say("client write", writeOnce(p.cfd, "ok")+": sending is untouched")
	say("server read", readOnce(p.sfd))
	return nil
}

// endregion shut-rd

// region close
// closeBoth shows what close(2) does that shutdown(SHUT_WR) does not:
// the socket can no longer receive, so data that arrives for it is
// answered with RST, and the connection ends without TIME_WAIT.
func closeBoth() error {
	fmt.Println("== close: close(2) ends both directions ==")
	p, err := connect()
	if err != nil {
		return err
	}
	defer p.close()
	// C: close(cfd)
	err = syscall.Close(p.cfd)
	p.cfd = -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	say("client close()", "FIN sent, as with SHUT_WR")
	if err := p.states("FIN_WAIT2", "CLOSE_WAIT"); err != nil {
		return err
	}
	say("server write", writeOnce(p.sfd, "late"))
	say("", "no one can read it: the reply is RST")
	if err := p.states("-", "-"); err != nil {
		return err
	}
	say("server read", readOnce(p.sfd)+" (the FIN came first)")
	say("server write", writeOnce(p.sfd, "later"))

	// Closing with unread data is worse: the kernel resets the
	// connection at once instead of sending FIN, and the peer's
	// next read fails.
	fmt.Println("== close, with unread data ==")
	q, err := connect()
	if err != nil {
		return err
	}
	defer q.close()
	say("server write", writeOnce(q.sfd, "unread"))
	if err := q.queued(6); err != nil {
		return err
	}
	err = syscall.Close(q.cfd)
	q.cfd = -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	say("client close()", "6 bytes unread: RST, not FIN")
	if err := q.states("-", "-"); err != nil {
		return err
	}
	say("server read", readOnce(q.sfd))
	return nil
}

// endregion close
