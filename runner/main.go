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
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// usageError is bad input on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	if code, ok := isChild(); ok {
		os.Exit(code)
	}
	os.Exit(mainExit(os.Args[1:], os.Stdout, os.Stderr))
}

// mainExit runs the runner and returns its exit status.
func mainExit(args []string, stdout, stderr *os.File) int {
	err := run(args, stdout, stderr)
	var ue usageError
	var es exitStatus
	switch {
	case errors.As(err, &es):
		return int(es)
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "runner: error: %v\n", err)
		fmt.Fprintln(stderr, "hint: runner -h shows the usage; runner "+
			"-list shows chapters and parts")
		return 2
	case errors.Is(err, errFailed):
		return 1
	default:
		fmt.Fprintf(stderr, "runner: error: %v\n", err)
		return 1
	}
}

// errFailed means failures were already reported.
var errFailed = errors.New("failed")

const usage = `runner plays a chapter of the TCP socket notes like a notebook: the
prose, each program's code, and the output it prints now. Programs are
interpreted with yaegi, each in a child process of the runner.

Usage:
  runner [flags] CHAPTER [PART]          play a chapter, or one part of it
  runner [flags] CHAPTER PROGRAM -- ARGS run one program with your arguments
  runner -list                           list chapters, sections, programs
  runner -check [CHAPTER [PART]]         verify the notes (what CI runs)
  runner -update [CHAPTER [PART]]        rewrite generated blocks

A PART is a section name (byte-order) or a program name (endian).
-check verifies that code blocks equal their files, that recorded outputs
equal fresh runs, that the Chinese and English files have the same
structure, and that the chapter index is up to date; it prints a diff and
exits 1 on any mismatch. -update rewrites code blocks, outputs and the
index from fresh runs, in both languages.

Examples:
  go run ./runner chapter04
  go run ./runner -lang zh chapter04 byte-order
  go run ./runner chapter04 inet-pton -- 10.1.2.3
  go run ./runner -check chapter04

Flags:
`

type options struct {
	list, check, update bool
	lang                string
	timeout             time.Duration
	root                string
	positional          []string
	programArgs         []string
	hasProgramArgs      bool
}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("runner", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.BoolVar(&o.list, "list", false, "list chapters, their sections and programs")
	fs.BoolVar(&o.check, "check", false, "verify code blocks, outputs, zh/en parity and the index")
	fs.BoolVar(&o.update, "update", false, "rewrite code blocks, outputs and the index")
	fs.StringVar(&o.lang, "lang", defaultLang(), "language of the prose: en or zh (default from $LANG)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long one program or cell may run")
	fs.StringVar(&o.root, "root", "", "repository root (default: found from the current directory)")
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

// defaultLang is zh when $LANG (or $LC_ALL) asks for Chinese.
func defaultLang() string {
	for _, v := range []string{"LC_ALL", "LANG"} {
		if l := os.Getenv(v); l != "" {
			if strings.HasPrefix(strings.ToLower(l), "zh") {
				return "zh"
			}
			return "en"
		}
	}
	return "en"
}

func run(args []string, stdout, stderr *os.File) error {
	o, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	root, err := findRoot(o.root)
	if err != nil {
		return err
	}
	l, err := newLauncher(root)
	if err != nil {
		return err
	}
	defer l.close()
	chapters, err := listChapters(root)
	if err != nil {
		return err
	}
	if o.list {
		return list(stdout, chapters, o.lang)
	}
	var names []string
	for _, c := range chapters {
		names = append(names, c.Name)
	}
	if len(o.positional) == 0 {
		if o.check || o.update {
			// Every chapter.
			failed := false
			for _, ch := range chapters {
				if err := runChapter(l, ch, "", o, stdout); err != nil {
					if !errors.Is(err, errFailed) {
						return err
					}
					failed = true
				}
			}
			if failed {
				return errFailed
			}
			return nil
		}
		return usageError{"which chapter? one of: " + strings.Join(names, ", ")}
	}
	var ch *Chapter
	for _, c := range chapters {
		if c.Name == o.positional[0] {
			ch = c
		}
	}
	if ch == nil {
		return usageError{fmt.Sprintf("unknown chapter %q; chapters: %s",
			o.positional[0], strings.Join(names, ", "))}
	}
	part := ""
	if len(o.positional) == 2 {
		part = o.positional[1]
	}
	if o.hasProgramArgs {
		return runProgram(l, ch, part, o.programArgs)
	}
	// Stopped by a signal, the runner ends the programs it started.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		killAll()
		l.close()
		fmt.Fprintf(stderr, "runner: stopped by %v\n", sig)
		os.Exit(128 + int(sig.(syscall.Signal)))
	}()
	return runChapter(l, ch, part, o, stdout)
}

// findRoot finds the repository: the given directory, or the nearest
// directory upwards from the current one that has a chapters/ folder.
func findRoot(dir string) (string, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		if fi, err := os.Stat(filepath.Join(abs, "chapters")); err != nil || !fi.IsDir() {
			return "", fmt.Errorf("-root %s: no chapters/ directory there", dir)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(filepath.Join(d, "chapters")); err == nil && fi.IsDir() {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no chapters/ directory in %s or above "+
				"(run the runner inside the repository, or give -root)", wd)
		}
	}
}

func listChapters(root string) ([]*Chapter, error) {
	ents, err := os.ReadDir(filepath.Join(root, "chapters"))
	if err != nil {
		return nil, err
	}
	var chs []*Chapter
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		ch, err := loadChapter(filepath.Join(root, "chapters", e.Name()))
		if err != nil {
			return nil, err
		}
		if len(ch.Sections) > 0 {
			chs = append(chs, ch)
		}
	}
	return chs, nil
}

// sectionPrograms lists the programs a section includes or runs.
func sectionPrograms(doc *Doc) []string {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, b := range doc.Blocks {
		d := b.Directive
		if d == nil || len(d.Words) == 0 {
			continue
		}
		switch d.Kind {
		case "include":
			add(strings.SplitN(d.Words[0], "/", 2)[0])
		case "run", "start":
			for k, w := range d.Words {
				if d.Kind == "start" && k == 0 {
					continue
				}
				if !strings.Contains(w, "=") {
					add(w)
					break
				}
			}
		}
	}
	return out
}

// programsOf lists the programs (package main) a section uses, leaving
// out the packages whose code it shows (tcphdr, procnet).
func programsOf(ch *Chapter, doc *Doc) []string {
	var out []string
	for _, p := range sectionPrograms(doc) {
		if isProgram(filepath.Join(ch.Dir, p)) {
			out = append(out, p)
		}
	}
	return out
}

func list(w io.Writer, chapters []*Chapter, lang string) error {
	for _, ch := range chapters {
		idx := filepath.Join(ch.Dir, "README.md")
		if lang == "zh" {
			idx = filepath.Join(ch.Dir, "README.zh.md")
		}
		title := ""
		if d, err := parseDoc(idx); err == nil {
			title = d.Title
		}
		fmt.Fprintf(w, "%s  %s\n", ch.Name, title)
		for _, s := range ch.Sections {
			path := s.En
			if lang == "zh" {
				path = s.Zh
			}
			d, err := parseDoc(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "  %-22s %s\n", s.Name, d.Title)
			if progs := programsOf(ch, d); len(progs) > 0 {
				fmt.Fprintf(w, "  %-22s programs: %s\n", "",
					strings.Join(progs, " "))
			}
		}
	}
	return nil
}

// selectSections returns the sections a part names: a section, its
// number, or a program that the section uses.
func selectSections(ch *Chapter, part string) ([]Section, error) {
	if part == "" {
		return ch.Sections, nil
	}
	var names, progs []string
	var out []Section
	for _, s := range ch.Sections {
		names = append(names, s.Name)
		if s.Name == part || s.Num == part {
			return []Section{s}, nil
		}
		d, err := parseDoc(s.En)
		if err != nil {
			return nil, err
		}
		progs = append(progs, programsOf(ch, d)...)
		for _, p := range sectionPrograms(d) {
			if p == part {
				out = append(out, s)
			}
		}
	}
	if len(out) > 0 {
		return out[:1], nil
	}
	sort.Strings(progs)
	return nil, usageError{fmt.Sprintf("%s has no section or program %q; "+
		"sections: %s; programs: %s", ch.Name, part,
		strings.Join(names, ", "), strings.Join(uniq(progs), ", "))}
}

func uniq(s []string) []string {
	var out []string
	for k, v := range s {
		if k == 0 || v != s[k-1] {
			out = append(out, v)
		}
	}
	return out
}

// runProgram interprets one program with the user's arguments and the
// runner's own standard input and output.
func runProgram(l *launcher, ch *Chapter, name string, args []string) error {
	dir := filepath.Join(ch.Dir, name)
	if _, err := programFile(dir); err != nil {
		var progs []string
		ents, _ := os.ReadDir(ch.Dir)
		for _, e := range ents {
			if _, err := programFile(filepath.Join(ch.Dir, e.Name())); e.IsDir() && err == nil {
				progs = append(progs, e.Name())
			}
		}
		return usageError{fmt.Sprintf("%s has no program %q; programs: %s",
			ch.Name, name, strings.Join(progs, ", "))}
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	cmd := l.command(dir, wd, args)
	cmd.SysProcAttr = nil // stay in the terminal's process group (Ctrl-C)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	// A signal sent to the runner alone (kill PID) is passed on to the
	// program, which decides what to do with it, as it would compiled.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		for sig := range sigs {
			cmd.Process.Signal(sig)
		}
	}()
	if err := cmd.Wait(); err != nil {
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return exitStatus(128 + int(ws.Signal()))
		}
		if cmd.ProcessState != nil {
			if code := cmd.ProcessState.ExitCode(); code > 0 {
				if code == exitCompile {
					return fmt.Errorf("%s does not compile", name)
				}
				return exitStatus(code)
			}
		}
		return err
	}
	return nil
}

// exitStatus passes a program's exit status through the runner.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
