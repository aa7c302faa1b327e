package main

// The terminal: colours, and the stream a played section prints.

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
	"github.com/tcpnotebook/tcpnotebook/runner/mdterm"
	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
	"github.com/tcpnotebook/tcpnotebook/runner/sandbox"
)

// style adds ANSI colours when they are wanted (mdterm.ColorFromEnv:
// on a terminal, unless NO_COLOR is set or TERM is dumb; anywhere with
// CLICOLOR_FORCE or FORCE_COLOR).
type style struct{ on bool }

func newStyle(getenv func(string) string, terminal bool) style {
	return style{on: mdterm.ColorFromEnv(getenv, terminal)}
}

func (s style) wrap(code, t string) string {
	if !s.on {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}

func (s style) bold(t string) string { return s.wrap("1", t) }
func (s style) dim(t string) string  { return s.wrap("2", t) }
func (s style) red(t string) string  { return s.wrap("31", t) }
func (s style) cyan(t string) string { return s.wrap("36", t) }

// playView prints a section as it runs.
type playView struct {
	r        *runner
	programs int
}

func (v *playView) w() io.Writer { return v.r.out }
func (v *playView) st() style    { return v.r.style }

func (v *playView) block(b notebook.Block) {
	if b.Generated {
		return // links for GitHub readers; the stream says what comes next itself
	}
	w, st := v.w(), v.st()
	switch b.Kind {
	case notebook.HeadingBlock:
		t := b.Text
		switch b.Level {
		case 1:
			line := strings.Repeat("=", runewidth.StringWidth(t)+4)
			fmt.Fprintf(w, "\n%s\n%s\n%s\n\n", st.cyan(line), st.bold("  "+t), st.cyan(line))
		case 2:
			fmt.Fprintf(w, "\n%s\n%s\n\n", st.bold(t), st.dim(strings.Repeat("-", runewidth.StringWidth(t))))
		default:
			fmt.Fprintf(w, "\n%s\n\n", st.bold("▸ "+t))
		}
	case notebook.ProseBlock:
		fmt.Fprintln(w, mdterm.Render([]byte(b.Markdown),
			mdterm.Options{Width: v.r.width, Color: st.on}))
	case notebook.CodeBlock:
		if b.Fence.Info == "mermaid" {
			fmt.Fprintln(w, st.dim("(a mermaid diagram: GitHub draws it; its source follows)"))
		}
		v.showCode(b.Fence.Content)
	}
}

func (v *playView) code(title, text string) {
	switch title {
	case "":
	case "standard input":
		fmt.Fprintln(v.w(), v.st().dim("standard input:"))
	default:
		fmt.Fprintln(v.w(), v.st().bold("── "+title+" ──"))
	}
	v.showCode(text)
}

// showCode prints code with a gutter.
func (v *playView) showCode(code string) {
	for _, l := range strings.Split(strings.TrimRight(code, "\n"), "\n") {
		fmt.Fprintln(v.w(), v.st().dim("| ")+strings.ReplaceAll(l, "\t", "    "))
	}
	fmt.Fprintln(v.w())
}

func (v *playView) command(line, dir string) io.Writer {
	v.programs++
	fmt.Fprintln(v.w(), v.st().bold(line))
	if r := sandbox.CompiledReason(dir); r != "" {
		fmt.Fprintln(v.w(), v.st().dim("  (the interpreter cannot run "+
			filepath.Base(dir)+": "+r+"; it runs with go run instead)"))
	}
	if strings.HasSuffix(line, " &") {
		return nil
	}
	return &indentWriter{w: v.w(), prefix: "  "}
}

func (v *playView) status(code int, sig string) {
	switch {
	case code == -1:
		fmt.Fprintln(v.w(), v.st().dim("  [signal: "+sig+"]"))
	case code != 0:
		fmt.Fprintln(v.w(), v.st().dim(fmt.Sprintf("  [exit status %d]", code)))
	}
	fmt.Fprintln(v.w())
}

func (v *playView) output(title, text string) {
	if title != "" {
		fmt.Fprintln(v.w(), v.st().bold("── "+title+" ──"))
	}
	if text == "" {
		fmt.Fprintln(v.w(), v.st().dim("  (no output)"))
	} else {
		fmt.Fprintln(v.w(), indent(text, "  "))
	}
	fmt.Fprintln(v.w())
}

func (v *playView) note(text string) { fmt.Fprintln(v.w(), v.st().dim("  "+text)) }

func (v *playView) failure(msg string) { fmt.Fprintln(v.w(), v.st().red("✗ "+msg)) }

// next tells the reader how to go on after a section.
func (v *playView) next(ch *notebook.Chapter, sec *notebook.Section) {
	for k, s := range ch.Sections {
		if s == sec && k+1 < len(ch.Sections) {
			fmt.Fprintln(v.w(), v.st().dim(fmt.Sprintf("next: go run ./runner %s %s",
				ch.Name, ch.Sections[k+1].Name)))
			return
		}
	}
}

// summary ends a play.
func (v *playView) summary(sections, programs int, fails []string, took time.Duration) {
	fmt.Fprintf(v.w(), "\nplayed %d section(s), %d program(s), %d failure(s) in %.1fs\n",
		sections, programs, len(fails), took.Seconds())
	for _, f := range fails {
		fmt.Fprintln(v.w(), "  "+v.st().red("✗ ")+firstLine(f))
	}
}

// indentWriter prefixes every line written through it.
type indentWriter struct {
	w      io.Writer
	prefix string
	mid    bool
}

func (iw *indentWriter) Write(p []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line == "" {
			continue
		}
		if !iw.mid {
			io.WriteString(iw.w, iw.prefix)
		}
		io.WriteString(iw.w, line)
		iw.mid = !strings.HasSuffix(line, "\n")
	}
	return len(p), nil
}
