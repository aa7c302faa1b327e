package main

// Nothing left behind: the runner is ended in every way a user ends
// it (a pipe closed early, Ctrl-C, Ctrl-\, kill, a hang-up), at start-up
// and in the middle of a section, and afterwards no process it started
// (also one that left its session) is alive and no temporary directory
// is left.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// leftoverChapter is a chapter whose section runs a program that
// leaves a grandchild in a session of its own and exits, starts a
// server that starts such a grandchild too, then runs a program that
// prints a line every 20 ms for at most 20 s. Each process writes its
// PID and start time into $PIDDIR.
var leftoverChapter = map[string]string{
	"chapters/lo/README.md":    "# Lo\n\n<!-- nb:toc -->\n<!-- nb:end -->\n",
	"chapters/lo/README.zh.md": "# 剩\n\n<!-- nb:toc -->\n<!-- nb:end -->\n",
	"chapters/lo/01-run.md":    leftoverSection,
	"chapters/lo/01-run.zh.md": leftoverSection,
	"chapters/lo/srv/srv.go": `package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

func note() {
	f := filepath.Join(os.Getenv("PIDDIR"), strconv.Itoa(os.Getpid()))
	stat, _ := os.ReadFile("/proc/self/stat") // its start time tells a reused PID apart
	os.WriteFile(f+".tmp", stat, 0o644) // then renamed: never seen half written
	os.Rename(f+".tmp", f)
}

func main() {
	note()
	if len(os.Args) > 1 && os.Args[1] == "grandchild" {
		time.Sleep(20 * time.Second)
		return
	}
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "grandchild")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Println("start:", err)
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("listening on", ln.Addr())
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
}
`,
	// daemon leaves a grandchild in a session of its own and exits at
	// once, as a daemon does: only a subreaper still has it below.
	"chapters/lo/daemon/daemon.go": `package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "grandchild" {
		stat, _ := os.ReadFile("/proc/self/stat")
		f := filepath.Join(os.Getenv("PIDDIR"), strconv.Itoa(os.Getpid()))
		os.WriteFile(f+".tmp", stat, 0o644) // then renamed: never seen half written
		os.Rename(f+".tmp", f)
		time.Sleep(20 * time.Second)
		return
	}
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "grandchild")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Println("start:", err)
		return
	}
	fmt.Println("left a grandchild behind")
}
`,
	"chapters/lo/ticker/ticker.go": `package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

func main() {
	stat, _ := os.ReadFile("/proc/self/stat") // its start time tells a reused PID apart
	f := filepath.Join(os.Getenv("PIDDIR"), strconv.Itoa(os.Getpid()))
	os.WriteFile(f+".tmp", stat, 0o644) // then renamed: never seen half written
	os.Rename(f+".tmp", f)
	for i := 0; i < 1000; i++ {
		fmt.Println("tick", i)
		time.Sleep(20 * time.Millisecond)
	}
}
`,
}

const leftoverSection = "# Run\n\nSome prose.\n\n<!-- nb:run daemon -->\n```text\n```\n\n<!-- nb:start s srv -->\n\n<!-- nb:run timeout=30s ticker -->\n```text\n```\n\n<!-- nb:stop s -->\n```text\n```\n"

// runnerBinary returns this test binary under the name "runner", which
// TestMain makes behave as the runner.
func runnerBinary(t *testing.T) string {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	link := filepath.Join(dir, "runner")
	if err := os.Symlink(self, link); err != nil {
		t.Fatal(err)
	}
	return link
}

type leftoverRig struct {
	t                  *testing.T
	runner, root, pids string
	tmp                string
}

func newLeftoverRig(t *testing.T) *leftoverRig {
	rig := &leftoverRig{t: t, runner: runnerBinary(t), root: t.TempDir()}
	for name, body := range leftoverChapter {
		p := filepath.Join(rig.root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return rig
}

// command starts a fresh run with its own PID and temporary
// directories, so that what it leaves is its own.
func (rig *leftoverRig) command(args ...string) *exec.Cmd {
	rig.pids = rig.t.TempDir()
	rig.tmp = rig.t.TempDir()
	cmd := exec.Command(rig.runner, append([]string{"-root", rig.root}, args...)...)
	cmd.Env = append(os.Environ(), "PIDDIR="+rig.pids, "TMPDIR="+rig.tmp, "NO_COLOR=1")
	return cmd
}

// waitPids waits until n processes have written their PID.
func (rig *leftoverRig) waitPids(n int) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if ps, _ := filepath.Glob(filepath.Join(rig.pids, "[0-9]*[0-9]")); len(ps) >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	rig.t.Fatalf("fewer than %d processes started in 30 s", n)
}

// checkNothingLeft: every process that wrote its PID is gone (or a
// zombie awaiting its reaper) within 5 s, and the temporary directory
// is empty. A process is known by its PID and its start time, which it
// wrote too: a PID the kernel has given to another process since is
// not ours, and is neither reported nor killed.
func (rig *leftoverRig) checkNothingLeft() {
	rig.t.Helper()
	ents, _ := os.ReadDir(rig.pids)
	deadline := time.Now().Add(5 * time.Second)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue // a PID file not yet renamed: its process died writing it
		}
		stat, _ := os.ReadFile(filepath.Join(rig.pids, e.Name()))
		start, ok := startTime(string(stat))
		if !ok {
			rig.t.Errorf("process %d wrote no /proc/self/stat", pid)
			continue
		}
		for alive(pid, start) {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL) // ours: its PID and start time
				rig.t.Errorf("process %d outlived the runner", pid)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if left, _ := os.ReadDir(rig.tmp); len(left) > 0 {
		rig.t.Errorf("the runner left %s in its temporary directory", left[0].Name())
	}
}

// startTime is field 22 of a /proc/PID/stat line: when the process
// started, in clock ticks since boot.
func startTime(stat string) (string, bool) {
	k := strings.LastIndexByte(stat, ')')
	if k < 0 {
		return "", false
	}
	f := strings.Fields(stat[k+1:])
	if len(f) < 20 {
		return "", false
	}
	return f[19], true // fields after the name start at field 3
}

// alive reports whether the process pid that started at start runs (a
// zombie does not count).
func alive(pid int, start string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	k := strings.LastIndexByte(s, ')')
	if k < 0 {
		return false
	}
	now, ok := startTime(s)
	return ok && now == start && !strings.HasPrefix(strings.TrimSpace(s[k+1:]), "Z")
}

// TestNothingLeftAfterSignal sends each signal in the middle of the
// section, while a server, its setsid grandchild and a foreground
// program run.
func TestNothingLeftAfterSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM,
		syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			rig := newLeftoverRig(t)
			cmd := rig.command("lo")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			rig.waitPids(4) // daemon's grandchild, srv, its grandchild, ticker
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if err == nil || ws.ExitStatus() != 128+int(sig) {
				t.Errorf("runner ended with %v (status %d), want status %d",
					err, ws.ExitStatus(), 128+int(sig))
			}
			rig.checkNothingLeft()
		})
	}
}

// TestNothingLeftAfterBrokenPipe reads three lines of the runner's
// output through a real pipe and closes it, as "| head -3" does.
func TestNothingLeftAfterBrokenPipe(t *testing.T) {
	t.Parallel()
	rig := newLeftoverRig(t)
	cmd := rig.command("lo")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	rig.waitPids(4)
	br := bufio.NewReader(r)
	for i := 0; i < 3; i++ {
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Error("the runner went on for 15 s after its output was closed")
	}
	rig.checkNothingLeft()
}

// TestNothingLeftAtStartup sends INT, TERM and HUP at many moments of
// the runner's start: before it has its handlers, while it starts a
// child, while the child becomes ready.
func TestNothingLeftAtStartup(t *testing.T) {
	t.Parallel()
	rig := newLeftoverRig(t)
	sigs := []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}
	for i := 0; i < 24; i++ {
		cmd := rig.command("lo")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Spread the signals over the first 100 ms or so: the point is
		// when they land, not waiting for anything.
		time.Sleep(time.Duration(i*i/5) * time.Millisecond)
		cmd.Process.Signal(sigs[i%len(sigs)])
		cmd.Wait()
		rig.checkNothingLeft()
	}
}

// TestUpdateInterrupted stops -update in the middle: the notes are
// left as they were, whole, and no temporary file is left beside them.
func TestUpdateInterrupted(t *testing.T) {
	t.Parallel()
	rig := newLeftoverRig(t)
	notes := filepath.Join(rig.root, "chapters/lo/01-run.md")
	before, _ := os.ReadFile(notes)
	cmd := rig.command("-update", "lo")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rig.waitPids(4)
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	after, _ := os.ReadFile(notes)
	if string(after) != string(before) {
		t.Errorf("the notes changed:\n%s", after)
	}
	if ents, _ := os.ReadDir(filepath.Dir(notes)); len(ents) != 7 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("the chapter holds %s, want the 7 files it had", names)
	}
	rig.checkNothingLeft()
}
