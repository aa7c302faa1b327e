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

func TestParseAddr(t *testing.T) {
	tests := []struct {
		ip, port string
		want     string
		ok       bool
	}{
		{"127.0.0.1", "0", "127.0.0.1:0", true},
		{"::1", "65535", "[::1]:65535", true},
		{"127.0.0.1", "65536", "", false},
		{"127.0.0.1", "x", "", false},
		{"1.2.3", "80", "", false},
	}
	for _, tt := range tests {
		ip, port, err := parseAddr(tt.ip, tt.port)
		got := ""
		if err == nil {
			got = netip.AddrPortFrom(ip, uint16(port)).String()
		}
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseAddr(%q, %q) = %q, %v; want %q, ok=%v",
				tt.ip, tt.port, got, err, tt.want, tt.ok)
		}
	}
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

// TestChildCrash kills the child that serves one client. The server
// reaps it, says how it ended, and serves the next client.
func TestChildCrash(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	defer func() { os.Stdout = stdout }()

	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var log []string
	// expect reads server lines until one matches re, bounded in time.
	expect := func(re string) []string {
		t.Helper()
		rx := regexp.MustCompile(re)
		deadline := time.After(10 * time.Second)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("server output ended; want %q in %q",
						re, log)
				}
				log = append(log, line)
				if m := rx.FindStringSubmatch(line); m != nil {
					return m
				}
			case <-deadline:
				t.Fatalf("no line matching %q in %q", re, log)
			}
		}
	}

	done := make(chan error, 1)
	go func() {
		done <- serve(netip.MustParseAddr("127.0.0.1"), 0, 2, false)
	}()
	addr := expect(`^listening on (\S+)$`)[1]

	// The first client gets its echo, then its child is killed.
	a, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.SetDeadline(time.Now().Add(10 * time.Second))
	echo(t, a, "before the crash\n")
	pid, _ := strconv.Atoi(expect(`^child (\d+): .* received`)[1])
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	expect(`^reaped child ` + strconv.Itoa(pid) +
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
	b, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	b.SetDeadline(time.Now().Add(10 * time.Second))
	echo(t, b, "after the crash\n")
	b.Close()

	expect(`^reaped child \d+ \(.*, exit status 0\)$`)
	expect(`^2 clients done: 2 children reaped$`)
	expect(`^wait4 now: no child processes$`)
	expect(`^connections the parent still holds: none$`)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit")
	}
	if s := strings.Join(log, "\n"); strings.Contains(s, "error") {
		t.Errorf("server log has an error:\n%s", s)
	}
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
