// Package sandbox runs the notebook's programs and cells, each in a
// child process, and makes sure none of them outlives the runner.
//
// The runner never interprets a program in its own process. Each program
// (and each section's cells) runs in a child: the runner's own binary,
// started again with NOTEBOOK_PROGRAM or NOTEBOOK_CELLS in its
// environment. A panic in an interpreted goroutine, an os.Exit, a
// blocked syscall or a runaway loop then ends the child only, and every
// byte the program writes reaches the pipe the parent reads, including
// writes to os.Stdout and the output of grandchildren.
//
// The runner keeps every child in a process group of its own and
// records it while it runs; Shutdown ends them all, and with the
// runner a child subreaper, also what they started in sessions of
// their own. Nothing a program prints is trusted: output is bounded,
// and control characters and invalid UTF-8 are escaped before anyone
// sees them.
package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/syscall"
	"github.com/traefik/yaegi/stdlib/unrestricted"
	"github.com/traefik/yaegi/stdlib/unsafe"
)

const (
	// envProgram names the directory of the program a child interprets.
	// A program that re-executes itself (os.Executable) under the runner
	// starts the runner again, and this variable, inherited, makes that
	// child interpret the same program.
	envProgram = "NOTEBOOK_PROGRAM"
	// envDisplay is the path shown in compile errors for that program.
	envDisplay = "NOTEBOOK_DISPLAY"
	// envCells makes a child read cells from standard input.
	envCells = "NOTEBOOK_CELLS"
	// envGopath is a GOPATH in which the module's import path leads to
	// the module root, so that interpreted programs can import the
	// repository's own packages. The parent runner makes it once.
	envGopath = "NOTEBOOK_GOPATH"
	// EnvProgram is envProgram for the tests that run a compiled program
	// the way the runner runs an interpreted one.
	EnvProgram = envProgram

	// ExitCompile is the status of a child whose program did not compile.
	ExitCompile = 125
	// cellEnd starts the line a cells child prints after each cell.
	cellEnd = "\x1eNB-CELL-END "
)

// ModulePath is the import path of this repository, as in go.mod.
const ModulePath = "github.com/tcpnotebook/tcpnotebook"

// ChildMain must be the first thing main does. When the runner started
// this process as an interpreter child, ChildMain interprets what it
// was asked to (a program or cells), returns the exit status and true;
// otherwise it returns false at once.
func ChildMain() (int, bool) {
	if dir := os.Getenv(envProgram); dir != "" {
		return childProgram(dir, os.Args[1:]), true
	}
	if os.Getenv(envCells) != "" {
		return childCells(os.Stdin, os.Stdout), true
	}
	return 0, false
}

// newInterp makes an interpreter with the symbol sets the lessons need:
// the standard library, unsafe (byte-order views), syscall (raw
// sockets) and the unrestricted set (os/exec, syscall.Kill, Shutdown).
func newInterp(args []string) (*interp.Interpreter, error) {
	i := interp.New(interp.Options{
		Args:         args,
		GoPath:       os.Getenv(envGopath),
		Unrestricted: true,
	})
	for _, syms := range []interp.Exports{
		stdlib.Symbols, unsafe.Symbols, syscall.Symbols,
		unrestricted.Symbols,
	} {
		if err := i.Use(syms); err != nil {
			return nil, err
		}
	}
	return i, nil
}

// makeGopath makes, inside runDir, a GOPATH in which the module's
// import path leads to the module root, so that yaegi finds the
// repository's own packages.
func makeGopath(runDir, modRoot string) (string, error) {
	dir := filepath.Join(runDir, "gopath")
	link := filepath.Join(dir, "src", filepath.FromSlash(ModulePath))
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return "", err
	}
	if err := os.Symlink(modRoot, link); err != nil {
		return "", err
	}
	return dir, nil
}

// programFileOf is notebook.ProgramFile.
func programFileOf(dir string) (string, error) { return notebook.ProgramFile(dir) }

// childProgram interprets the program in dir with the given arguments.
// Its exit status is the program's: 0 when main returns, the argument of
// os.Exit, 2 for a panic (as compiled Go), exitCompile when it does not
// compile.
func childProgram(dir string, args []string) int {
	file, err := programFileOf(dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: error: %v\n", err)
		return ExitCompile
	}
	src, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: error: %v\n", err)
		return ExitCompile
	}
	display := os.Getenv(envDisplay)
	if display == "" {
		display = file
	}
	name := filepath.Base(dir)
	i, err := newInterp(append([]string{name}, args...))
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: error: %v\n", err)
		return ExitCompile
	}
	// The //line directive makes positions in errors point into the
	// program's file rather than at an anonymous source string.
	code := fmt.Sprintf("//line %s:1:1\n%s", display, src)
	prog, err := compile(i, code)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return ExitCompile
	}
	if _, err := i.Execute(prog); err != nil {
		// Execute recovers a panic of main's goroutine into an error.
		fmt.Fprintf(os.Stderr, "panic: %v\n", err)
		return 2
	}
	return 0
}

// Cell is one notebook cell sent to a cells child.
type Cell struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Src  string `json:"src"`
}

// CellResult is what a cells child reports after each cell.
type CellResult struct {
	Compile bool   `json:"compile,omitempty"`
	Err     string `json:"err,omitempty"`
}

// childCells evaluates cells, one JSON object a line on in, in one
// interpreter, so that declarations carry from cell to cell. After each
// cell it writes a line starting with cellEnd and a JSON CellResult.
func childCells(in io.Reader, out *os.File) int {
	i, err := newInterp([]string{"cell"})
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: error: %v\n", err)
		return ExitCompile
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var c Cell
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			fmt.Fprintf(os.Stderr, "runner: error: bad cell: %v\n", err)
			return 1
		}
		res := evalCell(i, c)
		b, _ := json.Marshal(res)
		fmt.Fprintf(out, "%s%s\n", cellEnd, b)
	}
	return 0
}

// evalCell compiles and runs one cell. A cell may start with imports
// and go on with statements, which Go's grammar does not allow in one
// piece: the imports are compiled first. Compile errors get positions
// in the notes file.
func evalCell(i *interp.Interpreter, c Cell) CellResult {
	imports, rest, n := splitImports(c.Src)
	if imports != "" {
		prog, err := compile(i, imports)
		if err != nil {
			return CellResult{Compile: true, Err: relocate(err.Error(), c.File, c.Line)}
		}
		if _, err := i.Execute(prog); err != nil {
			return CellResult{Err: err.Error()}
		}
	}
	if strings.TrimSpace(rest) == "" {
		return CellResult{}
	}
	prog, err := compile(i, rest)
	if err != nil {
		return CellResult{Compile: true, Err: relocate(err.Error(), c.File, c.Line+n)}
	}
	if _, err := i.ExecuteWithContext(context.Background(), prog); err != nil {
		return CellResult{Err: relocate(err.Error(), c.File, c.Line+n)}
	}
	return CellResult{}
}

// splitImports splits the leading import declarations (and blank or
// comment lines) of a cell from the rest; n is the number of lines of
// the first part.
func splitImports(src string) (imports, rest string, n int) {
	lines := strings.SplitAfter(src, "\n")
	k, inBlock, seen := 0, false, false
	for ; k < len(lines); k++ {
		t := strings.TrimSpace(lines[k])
		switch {
		case inBlock:
			if t == ")" {
				inBlock = false
			}
		case t == "" || strings.HasPrefix(t, "//"):
		case strings.HasPrefix(t, "import ("):
			inBlock, seen = true, true
		case strings.HasPrefix(t, "import "):
			seen = true
		default:
			goto done
		}
	}
done:
	if !seen {
		return "", src, 0
	}
	imports = strings.Join(lines[:k], "")
	return imports, strings.Join(lines[k:], ""), strings.Count(imports, "\n")
}

var posRE = regexp.MustCompile(`^(?:_\.go:)?(\d+):(\d+): `)

// relocate rewrites an error that starts with "L:C: " or "_.go:L:C: "
// (yaegi's name for an anonymous source) into "file:line:C: ", the line
// counted in the notes, where the cell's code starts at line first.
func relocate(msg, file string, first int) string {
	m := posRE.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	line, _ := strconv.Atoi(m[1])
	return fmt.Sprintf("%s:%d:%s: %s", file, first+line-1, m[2], msg[len(m[0]):])
}

// compile is i.Compile with the interpreter's internal panics (seen on
// some malformed programs) turned into errors.
func compile(i *interp.Interpreter, src string) (p *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("interpreter failed to compile: %v", r)
		}
	}()
	return i.Compile(src)
}
