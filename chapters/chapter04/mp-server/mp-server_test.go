package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play the child: mp-server starts
// os.Executable() with "child <peer>", and in a test that is this
// binary.
func TestMain(m *testing.M) {
	if len(os.Args) >= 3 && os.Args[1] == "child" {
		if err := run(os.Args[1:]); err != nil {
			fmt.Fprintf(os.Stderr, "mp-server: error: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		ws   syscall.WaitStatus
		want string
	}{
		{0, "exit status 0"},
		{1 << 8, "exit status 1"},
		{syscall.WaitStatus(syscall.SIGKILL), "killed by signal killed"},
		{syscall.WaitStatus(syscall.SIGSEGV),
			"killed by signal segmentation fault"},
	}
	for _, tt := range tests {
		if got := describe(tt.ws); got != tt.want {
			t.Errorf("describe(%#x) = %q, want %q",
				uint32(tt.ws), got, tt.want)
		}
	}
}

func Example_describe() {
	fmt.Println(describe(2 << 8))
	fmt.Println(describe(syscall.WaitStatus(syscall.SIGTERM)))
	// Output:
	// exit status 2
	// killed by signal terminated
}

// logWatch captures the server's standard output (the children's
// too: they inherit it) and matches it line by line.
type logWatch struct {
	t     *testing.T
	lines chan string
	log   []string
}

// watchStdout replaces os.Stdout with a pipe until the test ends.
func watchStdout(t *testing.T) *logWatch {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	t.Cleanup(func() { os.Stdout = stdout })
	lw := &logWatch{t: t, lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lw.lines <- sc.Text()
		}
		close(lw.lines)
	}()
	return lw
}

// expect reads lines until one matches re, bounded in time, and
// returns its submatches.
func (lw *logWatch) expect(re string) []string {
	lw.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-lw.lines:
			if !ok {
				lw.t.Fatalf("output ended; want %q in %q", re, lw.log)
			}
			lw.log = append(lw.log, line)
			if m := rx.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-deadline:
			lw.t.Fatalf("no line matching %q in %q", re, lw.log)
		}
	}
}

// startServer runs serve in this process; it returns the address and
// a channel for serve's result.
func startServer(lw *logWatch, limit int) (string, chan error) {
	done := make(chan error, 1)
	go func() {
		done <- serve(netip.MustParseAddr("127.0.0.1"), 0, limit, false)
	}()
	return lw.expect(`^listening on (\S+)$`)[1], done
}

// finished waits (bounded) for serve to return without error.
func finished(t *testing.T, done chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit")
	}
}

// dialEcho connects and checks one echo.
func dialEcho(t *testing.T, addr, msg string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	echo(t, c, msg)
	return c
}

// TestChildCrash kills the child that serves one client. The server
// reaps it, says how it ended, and serves the next client.
func TestChildCrash(t *testing.T) {
	lw := watchStdout(t)
	addr, done := startServer(lw, 2)

	// The first client gets its echo, then its child is killed.
	a := dialEcho(t, addr, "before the crash\n")
	defer a.Close()
	pid, _ := strconv.Atoi(lw.expect(`^child (\d+): .* received`)[1])
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	lw.expect(`^reaped child ` + strconv.Itoa(pid) +
		` \(.*, killed by signal killed\)$`)
	// The killed child's socket is closed by the kernel: the client
	// sees the end of stream (no other process holds the socket).
	if n, err := a.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("client of killed child: read = %d, %v; want EOF",
			n, err)
	}
	// The server counts the sockets of its process, and in this test
	// the clients live in the same process: close them before.
	a.Close()

	// The server goes on: a second client is served.
	b := dialEcho(t, addr, "after the crash\n")
	b.Close()

	lw.expect(`^reaped child \d+ \(.*, exit status 0\)$`)
	lw.expect(`^2 clients done: 2 children reaped$`)
	lw.expect(`^wait4 now: no child processes$`)
	lw.expect(`^connections the parent still holds: none$`)
	finished(t, done)
	if s := strings.Join(lw.log, "\n"); strings.Contains(s, "error") {
		t.Errorf("server log has an error:\n%s", s)
	}
}

// TestStopWithLiveChild sends SIGTERM while a child serves a client:
// the server stops its children, reaps them and exits, leaving no
// child behind.
func TestStopWithLiveChild(t *testing.T) {
	lw := watchStdout(t)
	addr, done := startServer(lw, 0)
	a := dialEcho(t, addr, "still talking\n")
	defer a.Close()
	lw.expect(`^child \d+: .* received`)

	// The server's handler catches SIGTERM (signal.Notify), so this
	// reaches serve and not the test binary's default action.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	lw.expect(`^reaped child \d+ \(.*, killed by signal terminated\)$`)
	if n, err := a.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("client: read = %d, %v; want EOF", n, err)
	}
	a.Close()
	lw.expect(`^stopped by terminated: 1 children reaped$`)
	lw.expect(`^wait4 now: no child processes$`)
	// The client lives in this process too, and the server may count
	// its socket (in CLOSE_WAIT after the child's FIN) before the
	// Close above: that one is the test's, not a leak of the server's.
	lw.expect(`^connections the parent still holds: ` +
		`(none|CLOSE_WAIT 1)$`)
	finished(t, done)
}

// echo sends msg and checks the echo.
func echo(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != msg {
		t.Fatalf("echo %q, want %q", got, msg)
	}
}
