package main

// Terminal rendering of the prose and code of a section.

import (
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// style adds ANSI colours when the output is a terminal.
type style struct{ on bool }

func newStyle(f *os.File) style {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return style{}
	}
	fi, err := f.Stat()
	return style{on: err == nil && fi.Mode()&os.ModeCharDevice != 0}
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

// show renders a block that is not a directive.
func (e *engine) show(b Block) {
	switch b.Kind {
	case "heading":
		t := b.Text
		switch b.Level {
		case 1:
			line := strings.Repeat("═", displayWidth(t)+4)
			fmt.Fprintf(e.out, "\n%s\n%s\n%s\n\n", e.style.cyan(line),
				e.style.bold("  "+t), e.style.cyan(line))
		case 2:
			fmt.Fprintf(e.out, "\n%s\n\n", e.style.bold("■ "+t))
		default:
			fmt.Fprintf(e.out, "\n%s\n\n", e.style.bold("▸ "+t))
		}
	case "prose":
		fmt.Fprintln(e.out, wrapText(b.Text, 80))
		fmt.Fprintln(e.out)
	case "fence":
		if b.Fence.Info == "mermaid" {
			fmt.Fprintln(e.out, e.style.dim("(a mermaid diagram: GitHub "+
				"draws it; its source follows)"))
		}
		e.showCode(b.Fence.Content)
	}
}

// showCode prints code with a gutter.
func (e *engine) showCode(code string) {
	for _, l := range strings.Split(strings.TrimRight(code, "\n"), "\n") {
		fmt.Fprintln(e.out, e.style.dim("│ ")+strings.ReplaceAll(l, "\t",
			"    "))
	}
	fmt.Fprintln(e.out)
}

// showOutput prints a program's output, indented.
func (e *engine) showOutput(out string) {
	if out == "" {
		fmt.Fprintln(e.out, e.style.dim("  (no output)"))
	} else {
		fmt.Fprintln(e.out, indent(out, "  "))
	}
	fmt.Fprintln(e.out)
}

// wrapText wraps each line of t at width columns, breaking at spaces
// where there are any and anywhere in CJK text.
func wrapText(t string, width int) string {
	var out []string
	for _, line := range strings.Split(t, "\n") {
		cont := "" // what continuation lines start with
		switch {
		case strings.HasPrefix(line, "• "):
			cont = "  "
		case strings.HasPrefix(line, "│ "):
			cont = "│ "
		}
		for displayWidth(line) > width {
			// lastBreak is the last place a line may end: before a
			// space, or before a CJK character (Chinese needs no spaces
			// to break), but not inside a word of Latin letters.
			cut, w, lastBreak := 0, 0, -1
			for k, r := range line {
				rw := displayWidth(string(r))
				if w+rw > width {
					cut = k
					break
				}
				if r == ' ' || (rw == 2 && k > 0) {
					lastBreak = k
				}
				w += rw
			}
			if cut <= len(cont) {
				break
			}
			if r, _ := utf8.DecodeRuneInString(line[cut:]); r != ' ' &&
				displayWidth(string(r)) != 2 && lastBreak > len(cont) {
				cut = lastBreak
			}
			out = append(out, strings.TrimRight(line[:cut], " "))
			line = cont + strings.TrimLeft(line[cut:], " ")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
