package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
	"github.com/tcpnotebook/tcpnotebook/runner/sandbox"
)

// TestMain makes this test binary the runner as well: testscript
// installs it as the command "runner", and the runner's interpreter
// children are this binary started again.
func TestMain(m *testing.M) {
	// A program interpreted by a test that re-executes itself
	// (os.Executable) starts this binary under its own name.
	if code, ok := sandbox.ChildMain(); ok {
		os.Exit(code)
	}
	// The scripts spend their time waiting on sockets, processes and
	// the kernel's socket table, not on the CPU: with the default of one
	// at a time per core the package took three times longer on two
	// cores. A -parallel given on the command line still wins. (Not
	// when this binary runs as the "runner" command: its flags are the
	// runner's.)
	if filepath.Base(os.Args[0]) != "runner" {
		flag.Parse()
		set := false
		flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
		if !set {
			flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
		}
	}
	if raceEnabled && filepath.Base(os.Args[0]) != "runner" {
		childRaces = raceLogDir()
	}
	testscript.Main(cleanupM{m}, map[string]func(){
		"runner": func() {
			if code, ok := sandbox.ChildMain(); ok {
				os.Exit(code)
			}
			os.Exit(mainExit(os.Args[1:]))
		},
	})
}

// childRaces is where the interpreter children of a -race test run
// write their race reports (GORACE log_path), instead of into the
// output the tests compare. yaegi v0.16.1 itself races (interp/run.go's
// _select, seen with lossy-link's goroutines): those reports are
// counted and shown; any other fails the run.
var childRaces string

func raceLogDir() string {
	dir, err := os.MkdirTemp("", "notebook-race-")
	if err != nil {
		return ""
	}
	os.Setenv("GORACE", "log_path="+filepath.Join(dir, "child")+" exitcode=0")
	return dir
}

// reportChildRaces prints the races of the children and reports
// whether one of them is not yaegi's own.
func reportChildRaces(dir string) bool {
	defer os.RemoveAll(dir)
	files, _ := filepath.Glob(filepath.Join(dir, "child*"))
	theirs, ours := 0, 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, rep := range strings.Split(string(b), "WARNING: DATA RACE")[1:] {
			if strings.Contains(rep, "github.com/traefik/yaegi/interp.") {
				theirs++
				continue
			}
			ours++
			fmt.Fprintf(os.Stderr, "a race in an interpreter child:\nWARNING: DATA RACE%s\n", rep)
		}
	}
	if theirs > 0 {
		fmt.Fprintf(os.Stderr, "%d race report(s) inside yaegi's interpreter in children (not ours)\n", theirs)
	}
	return ours > 0
}

// cleanupM removes the programs built for the tests once they have run.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	code := c.m.Run()
	if childRaces != "" && reportChildRaces(childRaces) && code == 0 {
		code = 1
	}
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	return code
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// programs builds every program of every chapter once, into
// binDir/CHAPTER/NAME: two chapters may each have a program of the
// same name.
func programs(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "notebook-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		chapters, err := notebook.LoadChapters(repoRoot(t))
		if err != nil {
			buildErr = err
			return
		}
		for _, ch := range chapters {
			out := filepath.Join(dir, ch.Name)
			pkgs := "./" + filepath.ToSlash(filepath.Join("chapters", ch.Name)) + "/..."
			cmd := exec.Command("go", "build", "-o", out+string(filepath.Separator), pkgs)
			cmd.Dir = repoRoot(t)
			if b, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", pkgs, err, b)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// goEnv returns a go env variable of the go command on $PATH.
func goEnv(name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func repoRoot(t testing.TB) string {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestScripts runs the scripts of each directory under testdata: those
// of testdata/CHAPTER with that chapter's programs on $PATH, those of
// testdata/runner with none (they bring their own chapters).
func TestScripts(t *testing.T) {
	bin := programs(t)
	root := repoRoot(t)
	dirs, err := os.ReadDir(filepath.Join(root, "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		path := filepath.Join(root, "chapters", d.Name())
		if _, err := os.Stat(path); err != nil && d.Name() != "runner" {
			t.Errorf("testdata/%s: no chapter of that name (and not runner)", d.Name())
			continue
		}
		ran++
		progs := filepath.Join(bin, d.Name()) // absent for runner: harmless on $PATH
		t.Run(d.Name(), func(t *testing.T) {
			t.Parallel()
			runScripts(t, filepath.Join(root, "testdata", d.Name()), progs, root)
		})
	}
	if ran == 0 {
		t.Fatal("no script directory under testdata")
	}
}

func runScripts(t *testing.T, dir, progs, root string) {
	testscript.Run(t, testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", progs+string(filepath.ListSeparator)+env.Getenv("PATH"))
			env.Setenv("REPO", root)
			// Plain output for comparisons, whatever the terminal.
			env.Setenv("NO_COLOR", "1")
			env.Setenv("LANG", "C")
			// A program marked //notebook:compiled runs with go run,
			// which needs the build cache (testscript's $HOME is empty).
			env.Setenv("GOCACHE", goEnv("GOCACHE"))
			env.Setenv("GOPROXY", "off")
			env.Setenv("GOTOOLCHAIN", "local")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"srv-start": cmdSrvStart,
			"srv-wait":  cmdSrvFinish(false),
			"srv-stop":  cmdSrvFinish(true),
			"sockets":   cmdSockets,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// servers holds the background programs of each running script.
var servers sync.Map // *testscript.TestScript -> map[string]*sandbox.Proc

func scriptServers(ts *testscript.TestScript) map[string]*sandbox.Proc {
	v, _ := servers.LoadOrStore(ts, map[string]*sandbox.Proc{})
	return v.(map[string]*sandbox.Proc)
}

// cmdSrvStart: srv-start NAME PROGRAM ARGS... starts PROGRAM and waits
// for its "listening on ADDR" line.
func cmdSrvStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: srv-start NAME PROGRAM [ARGS...]")
	}
	name := args[0]
	srvs := scriptServers(ts)
	if _, dup := srvs[name]; dup {
		ts.Fatalf("srv-start: %s already started", name)
	}
	path, err := lookPath(ts, args[1])
	if err != nil {
		ts.Fatalf("srv-start: %v", err)
	}
	cmd := exec.Command(path, args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = append(os.Environ(), "PATH="+ts.Getenv("PATH"), "NO_COLOR=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p, err := sandbox.Start(cmd, nil, nil)
	if err != nil {
		ts.Fatalf("srv-start: %v", err)
	}
	srvs[name] = p
	ts.Defer(func() {
		select {
		case <-p.Done():
		default:
			p.Stop(2 * time.Second)
		}
	})
	addr, err := p.AwaitReady(notebook.DefaultReady, 10*time.Second)
	if err != nil {
		ts.Fatalf("srv-start %s: %v; output:\n%s", name, err, p.Output())
	}
	host, port := splitAddr(addr)
	ts.Setenv(strings.ToUpper(name)+"_ADDR", addr)
	ts.Setenv(strings.ToUpper(name)+"_HOST", host)
	ts.Setenv(strings.ToUpper(name)+"_PORT", port)
	ts.Setenv(strings.ToUpper(name)+"_PID", strconv.Itoa(cmd.Process.Pid))
	// Lower-case names too, as the script wrote them.
	ts.Setenv(name+"_ADDR", addr)
	ts.Setenv(name+"_HOST", host)
	ts.Setenv(name+"_PORT", port)
	ts.Setenv(name+"_PID", strconv.Itoa(cmd.Process.Pid))
}

func lookPath(ts *testscript.TestScript, prog string) (string, error) {
	if strings.Contains(prog, "/") {
		return ts.MkAbs(prog), nil
	}
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		p := filepath.Join(dir, prog)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in $PATH", prog)
}

// cmdSrvFinish: srv-wait NAME waits for the program to exit by itself;
// srv-stop NAME sends SIGTERM first. Its output becomes the command's.
func cmdSrvFinish(stop bool) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: srv-wait|srv-stop NAME")
		}
		p, ok := scriptServers(ts)[args[0]]
		if !ok {
			ts.Fatalf("no server %s", args[0])
		}
		if stop {
			p.Stop(5 * time.Second)
		} else if err := p.Wait(20 * time.Second); err != nil {
			ts.Fatalf("%s did not exit within 20s (killed); output:\n%s",
				args[0], p.Output())
		}
		fmt.Fprint(ts.Stdout(), p.Output())
		code, sig := p.Status()
		failed := code != 0 && !(stop && sig == "terminated")
		if failed && !neg {
			ts.Fatalf("%s: exit status %d %s", args[0], code, sig)
		}
		if !failed && neg {
			ts.Fatalf("%s: exited 0 unexpectedly", args[0])
		}
	}
}

// cmdSockets: sockets PID prints how many socket descriptors PID has.
func cmdSockets(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sockets PID")
	}
	n, err := countSockets(args[0])
	if err != nil {
		ts.Fatalf("sockets: %v", err)
	}
	fmt.Fprintf(ts.Stdout(), "%d\n", n)
}

func countSockets(pid string) (int, error) {
	dir := filepath.Join("/proc", pid, "fd")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil &&
			strings.HasPrefix(l, "socket:[") {
			n++
		}
	}
	return n, nil
}

// TestCompiledEqualsInterpreted runs every program that the notes run
// on its own (no server, no scripted input), once compiled and once
// under the interpreter, and compares what they print.
func TestCompiledEqualsInterpreted(t *testing.T) {
	bin := programs(t)
	root := repoRoot(t)
	l, err := sandbox.New(sandbox.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close) // after the parallel subtests, not before
	chapters, err := notebook.LoadChapters(root)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, ch := range chapters {
		for _, sec := range ch.Sections {
			if ps := sec.Load(); len(ps) > 0 {
				t.Errorf("%s", ps[0])
				continue
			}
			afterStdin := false
			for _, d := range sec.EnDoc.Directives {
				if d.Kind == "stdin" {
					afterStdin = true
					continue
				}
				if d.Kind != "run" {
					continue
				}
				stdin := afterStdin
				afterStdin = false
				key := ch.Name + "/" + d.Program + " " + strings.Join(d.Args, " ")
				dir := filepath.Join(ch.Dir, d.Program)
				if sandbox.CompiledReason(dir) != "" {
					continue // not interpreted: see TestCompiledOnly
				}
				if stdin || strings.Contains(key, "{") || seen[key] {
					continue
				}
				seen[key] = true
				d, chName := d, ch.Name
				// Twice what the notes allow the program: this test runs
				// both ways at once, beside the other tests.
				timeout := 20 * time.Second
				if d.Opts.Timeout*2 > timeout {
					timeout = d.Opts.Timeout * 2
				}
				t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
					t.Parallel()
					compiled := runCompiled(t, filepath.Join(bin, chName, d.Program), dir, d.Args, timeout)
					interpreted := transcript(t, l.Command(dir, t.TempDir(), d.Args), timeout)
					if a, b := mask(compiled, d.Opts.Masks), mask(interpreted, d.Opts.Masks); a != b {
						t.Errorf("%s prints differently compiled and interpreted:\n%s",
							key, diff(a, b))
					}
				})
			}
		}
	}
	if len(seen) == 0 {
		t.Fatal("no program to compare: the notes run none on its own")
	}
}

func runCompiled(t *testing.T, path, dir string, args []string, timeout time.Duration) string {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Dir = t.TempDir()
	// The interpreted run sees NOTEBOOK_PROGRAM (the program's directory,
	// where handshake and window find their recordings); so does this one.
	cmd.Env = append(os.Environ(), sandbox.EnvProgram+"="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return transcript(t, cmd, timeout)
}

// transcript runs cmd as the runner runs a program, and returns its
// merged output followed by its exit status.
func transcript(t *testing.T, cmd *exec.Cmd, timeout time.Duration) string {
	t.Helper()
	p, err := sandbox.Start(cmd, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(timeout); err != nil {
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	code, _ := p.Status()
	return fmt.Sprintf("%s[exit %d]\n", p.Output(), code)
}

// compiledOnly is the list of programs the interpreter cannot run, with
// the reason each gives. Adding to it is a decision: it should be rare.
var compiledOnly = map[string]bool{
	"chapter04/echo-bench": true, // gonum.org/v1/plot for the chart
	"chapter04/cwnd-chart": true, // gonum.org/v1/plot for the chart
}

// TestCompiledOnly pins the programs marked //notebook:compiled.
func TestCompiledOnly(t *testing.T) {
	root := repoRoot(t)
	chapters, err := notebook.LoadChapters(root)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, ch := range chapters {
		ents, err := os.ReadDir(ch.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			dir := filepath.Join(ch.Dir, e.Name())
			if r := sandbox.CompiledReason(dir); r != "" {
				got[ch.Name+"/"+e.Name()] = true
				t.Logf("%s/%s runs compiled: %s", ch.Name, e.Name(), r)
			}
		}
	}
	for p := range got {
		if !compiledOnly[p] {
			t.Errorf("%s is marked //notebook:compiled but not in the pinned list", p)
		}
	}
	for p := range compiledOnly {
		if !got[p] {
			t.Errorf("%s is in the pinned list but not marked //notebook:compiled", p)
		}
	}
}

// TestBadFlag gives every program a flag it does not have. Each must
// refuse it the same way, compiled and interpreted: exit status 2, one
// line on standard error naming the program, nothing on standard
// output, no file written, no hang.
func TestBadFlag(t *testing.T) {
	bin := programs(t)
	root := repoRoot(t)
	l, err := sandbox.New(sandbox.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	chapters, err := notebook.LoadChapters(root)
	if err != nil {
		t.Fatal(err)
	}
	built := 0
	for _, ch := range chapters {
		ents, err := os.ReadDir(filepath.Join(bin, ch.Name))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			built++
			badFlag(t, l, ch, filepath.Join(bin, ch.Name, e.Name()))
		}
	}
	if built == 0 {
		t.Fatal("no programs built")
	}
}

// badFlag checks one program, compiled (the binary at exe) and
// interpreted.
func badFlag(t *testing.T, l *sandbox.Launcher, ch *notebook.Chapter, exe string) {
	name := filepath.Base(exe)
	dir := filepath.Join(ch.Dir, name)
	hows := []string{"compiled", "interpreted"}
	if sandbox.CompiledReason(dir) != "" {
		hows = hows[:1] // not interpreted: see TestCompiledOnly
	}
	for _, how := range hows {
		how := how
		t.Run(ch.Name+"/"+name+"/"+how, func(t *testing.T) {
			t.Parallel()
			cwd := t.TempDir()
			var cmd *exec.Cmd
			if how == "compiled" {
				cmd = exec.Command(exe, "-no-such-flag")
				cmd.Dir = cwd
			} else {
				cmd = l.Command(dir, cwd, []string{"-no-such-flag"})
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatal("still running after 20 s")
			}
			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], name+": ") {
				t.Errorf("stderr is not one line starting with %q:\n%s",
					name+": ", stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout is not empty:\n%s", stdout.String())
			}
			if files, _ := os.ReadDir(cwd); len(files) != 0 {
				t.Errorf("it wrote %s in its working directory", files[0].Name())
			}
		})
	}
}
