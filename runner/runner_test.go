package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct {
		in, re, want string
	}{
		{"listening on 127.0.0.1:41234\n", `:(\d+)`, "listening on 127.0.0.1:*\n"},
		{"pid 77 and pid 78", `pid \d+`, "* and *"},
		{"a=1 b=2", `a=(\d) b=(\d)`, "a=* b=*"},
		{"no match here", `\d+`, "no match here"},
		{"opt: x", `opt: (y)?x`, "opt: x"}, // an unmatched group changes nothing
	}
	for _, tt := range tests {
		got := mask(tt.in, []*regexp.Regexp{regexp.MustCompile(tt.re)})
		if got != tt.want {
			t.Errorf("mask(%q, %s) = %q, want %q", tt.in, tt.re, got, tt.want)
		}
	}
}

func Example_mask() {
	out := "listening on [::1]:40321\nclient [::1]:51234 connected\n"
	fmt.Print(mask(out, []*regexp.Regexp{regexp.MustCompile(`\]:(\d+)`)}))
	// Output:
	// listening on [::1]:*
	// client [::1]:* connected
}

func TestSplitAddr(t *testing.T) {
	tests := []struct{ in, host, port string }{
		{"127.0.0.1:80", "127.0.0.1", "80"},
		{"[::1]:8080", "::1", "8080"},
		{"::1:8080", "::1", "8080"},
		{"nohost", "nohost", ""},
	}
	for _, tt := range tests {
		h, p := splitAddr(tt.in)
		if h != tt.host || p != tt.port {
			t.Errorf("splitAddr(%q) = %q, %q; want %q, %q", tt.in, h, p, tt.host, tt.port)
		}
	}
}

func TestDiff(t *testing.T) {
	got := diff("a\nb\nc\n", "a\nB\nc\n")
	if got != "    - b\n    + B" && got != "    + B\n    - b" {
		t.Errorf("diff = %q", got)
	}
	if d := diff("", "x\n"); !strings.Contains(d, "empty") || !strings.Contains(d, "+ x") {
		t.Errorf("diff from empty = %q", d)
	}
}

func TestParseArgs(t *testing.T) {
	c := &cli{stderr: &strings.Builder{}, getenv: func(string) string { return "" }}
	o, err := c.parseArgs([]string{"chapter04", "-lang", "zh", "byte-order"})
	if err != nil || o.lang != "zh" || !reflect.DeepEqual(o.positional, []string{"chapter04", "byte-order"}) {
		t.Errorf("flags after positionals: %+v, %v", o, err)
	}
	o, err = c.parseArgs([]string{"chapter04", "inet-pton", "--", "-x", "1.2.3.4"})
	if err != nil || !o.hasProgramArgs || !reflect.DeepEqual(o.programArgs, []string{"-x", "1.2.3.4"}) {
		t.Errorf("program args: %+v, %v", o, err)
	}
	for _, bad := range [][]string{
		{"-check", "-update"},
		{"a", "b", "c"},
		{"-timeout", "0s", "x"},
		{"chapter04", "--", "x"},
		{"-lang", "fr"},
	} {
		if _, err := c.parseArgs(bad); err == nil {
			t.Errorf("parseArgs(%q) accepted bad input", bad)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"byte-order", "sockaddr", "inet-convert", "tcp-flow", "echo", "endian", "inet-pton"}
	tests := []struct{ typed, want string }{
		{"byteorder", "byte-order"},
		{"Byte_Order", "byte-order"},
		{"sockadr", "sockaddr"},
		{"inet-ptn", "inet-pton"},
		{"quux", ""},
		{"zzzzzzzzzzzz", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.typed, names); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

func TestStyle(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		getenv   func(string) string
		terminal bool
		want     bool
	}{
		{env(), true, true},
		{env(), false, false},
		{env("NO_COLOR", "1"), true, false},
		{env("TERM", "dumb"), true, false},
		{env("CLICOLOR_FORCE", "1"), false, true},
		{env("FORCE_COLOR", "1", "TERM", "dumb"), false, false},
		{env("FORCE_COLOR", "0"), false, false},
		{env("NO_COLOR", "1", "FORCE_COLOR", "1"), true, false},
	}
	for i, tt := range tests {
		if got := newStyle(tt.getenv, tt.terminal).on; got != tt.want {
			t.Errorf("case %d: colour %v, want %v", i, got, tt.want)
		}
	}
}

// TestCLIBuffers runs the runner in-process against buffers: no
// terminal, no file, no signal handling.
func TestCLIBuffers(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"chapters/c/README.md":        "# C\n\n<!-- nb:toc -->\n<!-- nb:end -->\n",
		"chapters/c/README.zh.md":     "# 丙\n\n<!-- nb:toc -->\n<!-- nb:end -->\n",
		"chapters/c/01-one.md":        "# One\n\nProse with `code`.\n",
		"chapters/c/01-one.zh.md":     "# 一\n\n中文，说明。\n",
		"chapters/c/prog/prog.go":     "package main\n\nfunc main() {}\n",
		"chapters/c/02-two.md":        "# Two\n",
		"chapters/c/02-two.zh.md":     "# 二\n",
		"chapters/other/README.md":    "# Other\n",
		"chapters/other/README.zh.md": "# 其他\n",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	run := func(args ...string) (int, string, string) {
		var out, errs strings.Builder
		c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errs,
			getenv: func(string) string { return "" }}
		code := c.main(append([]string{"-root", root}, args...))
		return code, out.String(), errs.String()
	}
	if code, out, _ := run("-list"); code != 0 || !strings.Contains(out, "  01 one") ||
		!strings.Contains(out, "other  Other") {
		t.Errorf("-list: %d\n%s", code, out)
	}
	if code, out, _ := run("-lang", "zh", "c", "1"); code != 0 || !strings.Contains(out, "中文，说明。") ||
		!strings.Contains(out, "next: go run ./runner c two") {
		t.Errorf("play: %d\n%s", code, out)
	}
	if code, _, errs := run("c", "thre"); code != 2 || strings.Count(errs, "\n") != 2 {
		t.Errorf("unknown part: %d\n%s", code, errs)
	}
}
