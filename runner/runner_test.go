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

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"  endian  ", []string{"endian"}, false},
		{"echo-client {srv.host} {srv.port}", []string{"echo-client", "{srv.host}", "{srv.port}"}, false},
		{`mask=":(\d+)" prog`, []string{`mask=:(\d+)`, "prog"}, false},
		{`prog 'two words' "and \"quoted\""`, []string{"prog", "two words", `and "quoted"`}, false},
		{`mask=a\ b prog`, []string{"mask=a b", "prog"}, false},
		{`mask=\d+`, []string{`mask=\d+`}, false},
		{`prog ''`, []string{"prog", ""}, false},
		{`prog "open`, nil, true},
	}
	for _, tt := range tests {
		got, err := splitWords(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("splitWords(%q) error = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

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

func TestRelocate(t *testing.T) {
	tests := []struct {
		msg  string
		line int
		want string
	}{
		{"1:28: undefined: fmt", 10, "n.md:10:28: undefined: fmt"},
		{"_.go:3:1: expected declaration", 10, "n.md:12:1: expected declaration"},
		{"reflect: slice index out of range", 10, "reflect: slice index out of range"},
	}
	for _, tt := range tests {
		if got := relocate(tt.msg, "n.md", tt.line); got != tt.want {
			t.Errorf("relocate(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}

func TestSplitImports(t *testing.T) {
	tests := []struct {
		src, imports, rest string
		n                  int
	}{
		{"x := 1\n", "", "x := 1\n", 0},
		{"import \"fmt\"\nfmt.Println(1)\n", "import \"fmt\"\n", "fmt.Println(1)\n", 1},
		{"// a comment\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfmt.Println(os.Args)\n",
			"// a comment\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\n", "fmt.Println(os.Args)\n", 6},
		{"import \"fmt\"\n", "import \"fmt\"\n", "", 1},
	}
	for _, tt := range tests {
		imp, rest, n := splitImports(tt.src)
		if imp != tt.imports || rest != tt.rest || n != tt.n {
			t.Errorf("splitImports(%q) = %q, %q, %d; want %q, %q, %d",
				tt.src, imp, rest, n, tt.imports, tt.rest, tt.n)
		}
	}
}

func TestParseDirective(t *testing.T) {
	tests := []struct {
		raw   string
		kind  string
		words []string
		ok    bool
		err   bool
	}{
		{"<!-- nb:run endian -->", "run", []string{"endian"}, true, false},
		{"<!-- nb:start srv echo-server 127.0.0.1 0 -->\n", "start", []string{"srv", "echo-server", "127.0.0.1", "0"}, true, false},
		{"<!--nb:cell-->", "cell", nil, true, false},
		{"<!-- just a comment -->", "", nil, false, false},
		{"<div>html</div>", "", nil, false, false},
		{"<!-- nb:frobnicate x -->", "", nil, false, true},
		{"<!-- nb:run 'unclosed -->", "", nil, false, true},
	}
	for _, tt := range tests {
		d, ok, err := parseDirective(tt.raw)
		if (err != nil) != tt.err || ok != tt.ok {
			t.Errorf("parseDirective(%q) = ok %v, err %v", tt.raw, ok, err)
			continue
		}
		if ok && (d.Kind != tt.kind || !reflect.DeepEqual(d.Words, tt.words)) {
			t.Errorf("parseDirective(%q) = %s %q, want %s %q", tt.raw, d.Kind, d.Words, tt.kind, tt.words)
		}
	}
}

const sampleDoc = "# Title\n\nProse *here*.\n\n<!-- nb:include p/p.go -->\n```go\nold\n```\n\n" +
	"<!-- nb:cell -->\n```go\nprintln(1)\n```\n\n<!-- nb:run p -->\n\n## Sub\n\n```c\nint x;\n```\n"

func TestParseSrc(t *testing.T) {
	d, err := parseSrc("s.md", []byte(sampleDoc))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Title" {
		t.Errorf("title %q", d.Title)
	}
	var kinds []string
	for _, b := range d.Blocks {
		k := b.Kind
		if b.Directive != nil {
			k += ":" + b.Directive.Kind
		}
		kinds = append(kinds, k)
	}
	want := []string{"heading", "prose", "directive:include", "directive:cell",
		"directive:run", "heading", "fence"}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("blocks %q, want %q", kinds, want)
	}
	inc := d.Blocks[2].Directive
	if inc.Fence == nil || inc.Fence.Content != "old\n" || inc.Fence.Line != 6 {
		t.Errorf("include fence = %+v", inc.Fence)
	}
	if got := sampleDoc[inc.Fence.Start:inc.Fence.End]; got != "old\n" {
		t.Errorf("include fence offsets cover %q", got)
	}
	cell := d.Blocks[3].Directive
	if cell.Fence == nil || cell.Fence.Content != "println(1)\n" || cell.Output != nil {
		t.Errorf("cell = %+v / %+v", cell.Fence, cell.Output)
	}
	if run := d.Blocks[4].Directive; run.Fence != nil {
		t.Errorf("run owns %+v; the next block is a heading", run.Fence)
	}
	if d.Blocks[1].Text != "Prose here." {
		t.Errorf("prose %q", d.Blocks[1].Text)
	}
}

// TestWrite inserts missing generated blocks and replaces stale ones.
func TestWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.md")
	if err := os.WriteFile(path, []byte(sampleDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := parseDoc(path)
	if err != nil {
		t.Fatal(err)
	}
	e := &engine{}
	gen := map[[2]int]string{{0, 0}: "package p\n", {1, 1}: "1\n", {2, 0}: "out\n"}
	if err := e.write(d, gen); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, want := range []string{
		"<!-- nb:include p/p.go -->\n```go\npackage p\n```\n",
		"```go\nprintln(1)\n```\n\n```text\n1\n```\n",
		"<!-- nb:run p -->\n\n```text\nout\n```\n",
		"```c\nint x;\n```\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("after write, missing %q in:\n%s", want, got)
		}
	}
	// Written once, the file parses to the same blocks and a second
	// write changes nothing.
	d2, err := parseDoc(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.write(d2, gen); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(path)
	if string(b2) != got {
		t.Errorf("second write changed the file:\n%s", diff(got, string(b2)))
	}
}

func TestParity(t *testing.T) {
	en, _ := parseSrc("a.md", []byte(sampleDoc))
	zhSame := strings.Replace(sampleDoc, "Prose *here*.", "这里是文字。", 1)
	zhSame = strings.Replace(zhSame, "int x;", "int x; // 中文注释", 1)
	zh, _ := parseSrc("a.zh.md", []byte(zhSame))
	if p := parity(en, zh); len(p) != 0 {
		t.Errorf("prose and C comments may differ, got %q", p)
	}
	for name, bad := range map[string]string{
		"heading level": strings.Replace(sampleDoc, "## Sub", "### Sub", 1),
		"directive":     strings.Replace(sampleDoc, "nb:run p", "nb:run q", 1),
		"cell code":     strings.Replace(sampleDoc, "println(1)", "println(2)", 1),
		"missing block": strings.Replace(sampleDoc, "```c\nint x;\n```\n", "", 1),
	} {
		zh, err := parseSrc("a.zh.md", []byte(bad))
		if err != nil {
			t.Fatal(err)
		}
		if p := parity(en, zh); len(p) == 0 {
			t.Errorf("%s: a difference was not found", name)
		}
	}
}

func TestReadIncludeRegion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.go")
	src := "package main\n\nfunc main() {\n\t// region step\n\tx := 1\n\t_ = x\n\t// endregion step\n}\n"
	os.WriteFile(path, []byte(src), 0o644)
	got, err := readInclude(path, "step")
	if err != nil || got != "x := 1\n_ = x\n" {
		t.Errorf("region = %q, %v", got, err)
	}
	if _, err := readInclude(path, "none"); err == nil {
		t.Error("a missing region was not reported")
	}
}

func TestWrapText(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"one two three four", 9, "one two\nthree\nfour"},
		{"• a list item that wraps", 12, "• a list\n  item that\n  wraps"},
		{"中文字符每个占两列宽", 8, "中文字符\n每个占两\n列宽"},
		{"端口是 `listening on` 的一部分", 14, "端口是\n`listening on`\n的一部分"},
		{"中文里的 word 不拆开", 12, "中文里的\nword 不拆开"},
	}
	for _, tt := range tests {
		if got := wrapText(tt.in, tt.width); got != tt.want {
			t.Errorf("wrapText(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
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
	o, err := parseArgs([]string{"chapter04", "-lang", "zh", "byte-order"}, os.Stderr)
	if err != nil || o.lang != "zh" || !reflect.DeepEqual(o.positional, []string{"chapter04", "byte-order"}) {
		t.Errorf("flags after positionals: %+v, %v", o, err)
	}
	o, err = parseArgs([]string{"chapter04", "inet-pton", "--", "-x", "1.2.3.4"}, os.Stderr)
	if err != nil || !o.hasProgramArgs || !reflect.DeepEqual(o.programArgs, []string{"-x", "1.2.3.4"}) {
		t.Errorf("program args: %+v, %v", o, err)
	}
	for _, bad := range [][]string{
		{"-check", "-update"},
		{"a", "b", "c"},
		{"-timeout", "0s", "x"},
		{"chapter04", "--", "x"},
	} {
		if _, err := parseArgs(bad, os.Stderr); err == nil {
			t.Errorf("parseArgs(%q) accepted bad input", bad)
		}
	}
}

func TestParseOpts(t *testing.T) {
	s := &sectionRun{e: &engine{}, vars: map[string]string{"srv.port": "4242"}}
	d := &Directive{Kind: "run", Words: []string{"needs=net_raw", "timeout=3s",
		"exit=2", `mask=:(\d+)`, "prog", "-p", "{srv.port}"}}
	o, err := s.parseOpts(d, false)
	if err != nil {
		t.Fatal(err)
	}
	if o.needs != "net_raw" || o.timeout.String() != "3s" || o.exit != 2 ||
		len(o.masks) != 1 || o.program != "prog" ||
		!reflect.DeepEqual(o.args, []string{"-p", "4242"}) {
		t.Errorf("parseOpts = %+v", o)
	}
	for _, words := range [][]string{
		{"needs=root", "prog"},
		{"timeout=soon", "prog"},
		{"exit=x", "prog"},
		{"mask=(", "prog"},
		{"colour=red", "prog"},
		{"timeout=1s"},
	} {
		if _, err := s.parseOpts(&Directive{Kind: "run", Words: words}, false); err == nil {
			t.Errorf("parseOpts(%q) accepted bad options", words)
		}
	}
}
