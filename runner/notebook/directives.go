package notebook

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Spec declares one directive: its name, its words, its options and
// the fenced blocks it owns. Parsing, checking, rewriting, the index
// and the documentation all read these declarations; nothing else in
// the runner knows what a directive looks like.
type Spec struct {
	Name  string // the KIND of <!-- nb:KIND ... -->
	Words string // what follows the options, for the usage line
	Help  string // one sentence for the format's reference
	// Named: the first word is the name of a background program.
	Named bool
	// Program: after the options come PROGRAM and its ARGS.
	Program bool
	// File: the first word is a file, relative to the chapter.
	File bool
	// Needs: the first word names a background program started earlier
	// by nb:start (wait and stop).
	Needs bool
	// Index: allowed only in a chapter index (README.md).
	Index bool
	// Region: the Markdown up to the next nb:end is generated (the
	// index's table of contents, a section's navigation).
	Region bool
	// Blocks are the fenced blocks that follow the directive, in order.
	Blocks  []Owned
	Options []Option
}

// Owned describes one fenced block a directive owns.
type Owned struct {
	Role string // what it holds, for messages and docs
	// Generated blocks are written by -update and compared by -check;
	// the others are written by hand and required.
	Generated bool
	// Info is the info string the fence must have ("" for any).
	Info string
}

// Option declares a key=value option of a directive.
type Option struct {
	Name   string
	Type   string // duration, int, regexp, capability, name
	Repeat bool
	Help   string
}

// Usage is the directive as the format documents it.
func (s *Spec) Usage() string {
	u := "<!-- nb:" + s.Name
	if s.Named {
		u += " NAME"
	}
	if len(s.Options) > 0 && !s.File {
		u += " [opts]"
	}
	if s.Words != "" {
		u += " " + s.Words
	}
	return u + " -->"
}

var timeoutOpt = Option{Name: "timeout", Type: "duration",
	Help: "how long it may run (default: the runner's -timeout)"}

var runOptions = []Option{
	timeoutOpt,
	{Name: "exit", Type: "int", Help: "the exit status expected (default 0)"},
	{Name: "mask", Type: "regexp", Repeat: true,
		Help: "in the recorded output, each capture group of each match (or the whole match) becomes *"},
	{Name: "needs", Type: "capability",
		Help: "net_raw or net_admin: without that capability the output is shown, not compared"},
}

// Specs is the registry: every directive the format has, in the order
// the documentation lists them.
var Specs = []*Spec{
	{Name: "include", Words: "FILE [region=NAME]", File: true,
		Help:   "the file (relative to the chapter), or the lines between `// region NAME` and `// endregion NAME`",
		Blocks: []Owned{{Role: "the file's text", Generated: true}},
		Options: []Option{{Name: "region", Type: "name",
			Help: "include only the lines between // region NAME and // endregion NAME"}}},
	{Name: "cell",
		Help: "Go statements or declarations, evaluated by the interpreter in one interpreter per section, then their output",
		Blocks: []Owned{{Role: "the cell's Go code", Info: "go"},
			{Role: "the cell's output", Generated: true, Info: "text"}}},
	{Name: "stdin",
		Help:   "text written by hand, the standard input of the next nb:run or nb:start",
		Blocks: []Owned{{Role: "the standard input"}}},
	{Name: "run", Words: "PROGRAM ARGS...", Program: true,
		Help:    "runs PROGRAM; its block holds the output (standard output and error, interleaved)",
		Blocks:  []Owned{{Role: "the program's output", Generated: true, Info: "text"}},
		Options: runOptions},
	{Name: "start", Words: "PROGRAM ARGS...", Named: true, Program: true,
		Help: "starts PROGRAM in the background and waits until it prints `listening on ADDR`; " +
			"later arguments may use {NAME.addr}, {NAME.host}, {NAME.port}",
		Options: append(append([]Option{}, runOptions...), Option{Name: "ready", Type: "regexp",
			Help: "the line that means ready; its first group is the address"})},
	{Name: "wait", Words: "NAME", Needs: true,
		Help:    "the whole output of background program NAME, after it exits on its own",
		Blocks:  []Owned{{Role: "the background program's output", Generated: true, Info: "text"}},
		Options: []Option{timeoutOpt}},
	{Name: "stop", Words: "NAME", Needs: true,
		Help:   "the whole output of NAME after it is sent SIGTERM (SIGKILL after 2 s)",
		Blocks: []Owned{{Role: "the background program's output", Generated: true, Info: "text"}}},
	{Name: "toc", Index: true, Region: true,
		Help: "in a chapter index: the table of contents follows, up to nb:end; -update writes it"},
	{Name: "nav", Region: true,
		Help: "at the end of a section: links to the previous and next sections and the index, " +
			"the programs' source files and the command that plays the section, up to nb:end; " +
			"-update writes it (and adds it where it is missing)"},
	{Name: "end", Help: "ends a generated region (nb:toc, nb:nav)"},
}

// Lookup returns the directive named name, or nil.
func Lookup(name string) *Spec {
	for _, s := range Specs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Capabilities are the values of needs=, with their bit in the
// kernel's capability sets (linux/capability.h).
var Capabilities = map[string]uint{
	"net_admin": 12, // namespaces, links, routes, TUN devices
	"net_raw":   13, // raw and packet sockets
}

// Opts are a directive's options, parsed and typed.
type Opts struct {
	Timeout time.Duration // 0: the runner's default
	Exit    int
	Masks   []*regexp.Regexp
	Ready   *regexp.Regexp // nil: DefaultReady
	Needs   string
	Region  string
}

// DefaultReady is the line a background program prints when it is
// ready; its first group is the address.
var DefaultReady = regexp.MustCompile(`listening on (\S+)`)

// isOption tells an option word from a program or an argument: KEY=V
// where KEY is a plain word.
var optionWord = regexp.MustCompile(`^[a-z]+=`)

// bind checks the words of d against its spec and fills in its fields.
func (d *Directive) bind() error {
	s := d.Spec
	words := d.Words
	if s.Named || s.Needs {
		if len(words) == 0 || optionWord.MatchString(words[0]) {
			return fmt.Errorf("nb:%s needs a name: %s", s.Name, s.Usage())
		}
		d.Name, words = words[0], words[1:]
	}
	var positional []string
	for k := 0; k < len(words); k++ {
		w := words[k]
		if !optionWord.MatchString(w) || (s.Program && len(positional) > 0) {
			positional = append(positional, w)
			continue
		}
		key, val, _ := strings.Cut(w, "=")
		if err := d.setOption(key, val); err != nil {
			return err
		}
	}
	switch {
	case s.Program:
		if len(positional) == 0 {
			return fmt.Errorf("nb:%s needs a program: %s", s.Name, s.Usage())
		}
		d.Program, d.Args = positional[0], positional[1:]
	case s.File:
		if len(positional) != 1 {
			return fmt.Errorf("nb:%s needs one file: %s", s.Name, s.Usage())
		}
		d.File = positional[0]
		if path.IsAbs(d.File) {
			return fmt.Errorf("nb:%s %s: the file must be relative to the chapter", s.Name, d.File)
		}
	default:
		if len(positional) > 0 {
			return fmt.Errorf("nb:%s takes no %q: %s", s.Name, positional[0], s.Usage())
		}
	}
	return nil
}

func (d *Directive) setOption(key, val string) error {
	var opt *Option
	for k := range d.Spec.Options {
		if d.Spec.Options[k].Name == key {
			opt = &d.Spec.Options[k]
		}
	}
	if opt == nil {
		var names []string
		for _, o := range d.Spec.Options {
			names = append(names, o.Name+"=")
		}
		if len(names) == 0 {
			return fmt.Errorf("nb:%s takes no options (got %s=)", d.Kind, key)
		}
		return fmt.Errorf("nb:%s: unknown option %s= (it takes %s)", d.Kind, key, strings.Join(names, ", "))
	}
	if d.seen[key] && !opt.Repeat {
		return fmt.Errorf("nb:%s: %s= given twice", d.Kind, key)
	}
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	d.seen[key] = true
	switch opt.Type {
	case "duration":
		t, err := time.ParseDuration(val)
		if err != nil || t <= 0 {
			return fmt.Errorf("nb:%s: bad %s=%q (want a positive duration such as 5s)", d.Kind, key, val)
		}
		d.Opts.Timeout = t
	case "int":
		n, err := strconv.Atoi(val)
		if err != nil {
			return fmt.Errorf("nb:%s: bad %s=%q (want a number)", d.Kind, key, val)
		}
		d.Opts.Exit = n
	case "regexp":
		// Multi-line mode: ^ and $ match at each line.
		re, err := regexp.Compile("(?m)" + val)
		if err != nil {
			return fmt.Errorf("nb:%s: bad %s=: %v", d.Kind, key, err)
		}
		if key == "ready" {
			d.Opts.Ready = re
		} else {
			d.Opts.Masks = append(d.Opts.Masks, re)
		}
	case "capability":
		if _, ok := Capabilities[val]; !ok {
			return fmt.Errorf("nb:%s: needs=%q: the runner knows net_raw and net_admin", d.Kind, val)
		}
		d.Opts.Needs = val
	case "name":
		if val == "" {
			return fmt.Errorf("nb:%s: %s= needs a value", d.Kind, key)
		}
		d.Opts.Region = val
	}
	return nil
}

// FenceInfo is the info string of a generated block of d: the
// language of an included file, or text.
func (d *Directive) FenceInfo(block int) string {
	if want := d.Spec.Blocks[block].Info; want != "" {
		return want
	}
	if d.Spec.File {
		switch path.Ext(d.File) {
		case ".go":
			return "go"
		case ".c", ".h":
			return "c"
		case ".sh":
			return "sh"
		}
	}
	return "text"
}
