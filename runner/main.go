// Runner plays a chapter of the notes like a notebook: the prose, each
// program's code, and the output the program prints now, on this
// machine. Programs are interpreted with yaegi, each in a child process.
//
// Usage:
//
//	runner [flags] CHAPTER [PART]
//	runner [flags] CHAPTER PROGRAM -- [ARGS...]
//	runner -list
//	runner -check [CHAPTER [PART]]
//	runner -update [CHAPTER [PART]]
//
// PART is a section (byte-order) or a program (endian); a program after
// which "--" follows is run on its own with your arguments, standard
// input and output. Run "runner -h" for the flags.
//
// The runner is three packages: notebook (the notes format: parsing,
// the directive registry, parity, the index, rewriting), sandbox (child
// processes and the interpreter) and this command (the modes and the
// terminal).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tcpnotebook/tcpnotebook/runner/sandbox"
)

func main() {
	if code, ok := sandbox.ChildMain(); ok {
		os.Exit(code)
	}
	os.Exit(mainExit(os.Args[1:]))
}

// mainExit runs the runner as a command and returns its exit status;
// when a signal is ending it, the status is the signal's.
func mainExit(args []string) int {
	code := newCLI().main(args)
	stopWait()
	return code
}

// cli is one invocation of the runner: its streams and environment,
// so that tests can run it against buffers.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// terminal: standard output is a terminal (colour); termWidth its
	// width, 0 when unknown.
	terminal  bool
	termWidth int
	// interactive: standard input and output are both terminals (not
	// merely character devices such as /dev/null), so the interactive
	// notebook opens (unless -plain).
	interactive bool
	// sandbox options, for the benchmark (go run, prebuilt binaries).
	sandbox sandbox.Options
	// catchSignals: end children and clean up on a signal (off in
	// in-process tests, which must not take over the test's signals).
	catchSignals bool
}

func newCLI() *cli {
	return &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		getenv: os.Getenv, terminal: isTTY(os.Stdout),
		termWidth: terminalWidth(os.Stdout), interactive: isTTY(os.Stdin) && isTTY(os.Stdout),
		catchSignals: true}
}

// usageError is bad input on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitStatus passes a program's exit status through the runner.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// errFailed means failures were already reported.
var errFailed = errors.New("failed")

// main runs the runner and returns its exit status.
func (c *cli) main(args []string) int {
	err := c.run(args)
	var ue usageError
	var es exitStatus
	switch {
	case errors.As(err, &es):
		return int(es)
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "runner: error: %v\n", err)
		fmt.Fprintln(c.stderr, "hint: runner -h shows the usage; runner "+
			"-list shows chapters and parts")
		return 2
	case errors.Is(err, errFailed):
		return 1
	case errors.Is(err, errBrokenPipe):
		return 141 // as a shell reports a process killed by SIGPIPE
	default:
		fmt.Fprintf(c.stderr, "runner: error: %v\n", err)
		return 1
	}
}

const usage = `runner plays a chapter of the socket notes like a notebook: the
prose, each program's code, and the output it prints now. Programs are
interpreted with yaegi, each in a child process of the runner.

Usage:
  runner [flags] CHAPTER [PART]          play a chapter, or one part of it
  runner [flags] CHAPTER PROGRAM -- ARGS run one program with your arguments
  runner -list                           list chapters, sections, programs
  runner -check [CHAPTER [PART]]         verify the notes (what CI runs)
  runner -update [CHAPTER [PART]]        rewrite generated blocks

A PART is a section name (byte-order), its number (2 or 02) or a
program name (endian).
On a terminal, playing opens an interactive notebook (a table of
contents, cells run one key at a time, edited and run again; ? lists
the keys); -plain, a pipe or a file get the stream instead.
-check verifies that code blocks equal their files, that recorded outputs
equal fresh runs, that the Chinese and English files have the same
structure, and that the chapter index is up to date; it prints a diff and
exits 1 on any mismatch. Without a chapter it checks every chapter.
-update rewrites code blocks, outputs and the index from fresh runs, in
both languages; it never touches text it did not generate.

The notes and programs played are the files on disk of the repository
the runner is started in (or -root DIR, or $NOTEBOOK_ROOT); a runner
installed with "go install" and started elsewhere plays the copy built
into it.

Examples:
  go run ./runner chapter04
  go run ./runner -lang zh chapter04 byte-order
  go run ./runner chapter04 inet-pton -- 10.1.2.3
  go run ./runner -check

Flags:
`

type options struct {
	list, check, update bool
	plain               bool
	lang                string
	timeout             time.Duration
	root                string
	width               int
	positional          []string
	programArgs         []string
	hasProgramArgs      bool
}

func (c *cli) parseArgs(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("runner", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nNotes played now: %s\n", c.describeRoot())
	}
	fs.BoolVar(&o.list, "list", false, "list chapters, their sections and programs")
	fs.BoolVar(&o.check, "check", false, "verify code blocks, outputs, zh/en parity and the index")
	fs.BoolVar(&o.plain, "plain", false, "print the stream even on a terminal (no interactive notebook)")
	fs.BoolVar(&o.update, "update", false, "rewrite code blocks, outputs and the index")
	fs.StringVar(&o.lang, "lang", defaultLang(c.getenv), "language of the prose: en or zh (default from $LANG)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long one program or cell may run")
	fs.IntVar(&o.width, "width", 0, "columns of prose (default: the terminal's, else $COLUMNS, else 80)")
	fs.StringVar(&o.root, "root", "", "repository root (default: $NOTEBOOK_ROOT, or found from the current directory)")
	// Flags may come before or after the positional arguments; "--"
	// ends them and starts a program's own arguments.
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		// flag stops at "--" and drops it: find out whether it did.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			o.programArgs = rest
			o.hasProgramArgs = true
			break
		}
		if len(rest) == 0 {
			break
		}
		o.positional = append(o.positional, rest[0])
		args = rest[1:]
	}
	if o.lang != "en" && o.lang != "zh" {
		return nil, usageError{fmt.Sprintf("-lang %q: want en or zh", o.lang)}
	}
	if o.timeout <= 0 {
		return nil, usageError{"-timeout must be positive"}
	}
	if o.width < 0 || (o.width > 0 && o.width < 20) {
		return nil, usageError{fmt.Sprintf("-width %d: want 20 columns or more", o.width)}
	}
	n := 0
	for _, b := range []bool{o.list, o.check, o.update} {
		if b {
			n++
		}
	}
	if n > 1 {
		return nil, usageError{"use only one of -list, -check, -update"}
	}
	if len(o.positional) > 2 {
		return nil, usageError{fmt.Sprintf("too many arguments: %s",
			strings.Join(o.positional, " "))}
	}
	if o.hasProgramArgs && (len(o.positional) != 2 || o.check || o.update || o.list) {
		return nil, usageError{"\"--\" must follow CHAPTER PROGRAM"}
	}
	return o, nil
}

// defaultLang is zh when $LC_ALL or $LANG asks for Chinese.
func defaultLang(getenv func(string) string) string {
	for _, v := range []string{"LC_ALL", "LANG"} {
		if l := getenv(v); l != "" {
			if strings.HasPrefix(strings.ToLower(l), "zh") {
				return "zh"
			}
			return "en"
		}
	}
	return "en"
}
