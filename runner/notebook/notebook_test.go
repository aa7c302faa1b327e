package notebook

import (
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
		got, err := SplitWords(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("SplitWords(%q) error = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitWords(%q) = %q, want %q", tt.in, got, tt.want)
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

// TestBind checks that options are typed and checked when the file is
// parsed, with the directive's line.
func TestBind(t *testing.T) {
	doc, err := Parse("s.md", []byte("<!-- nb:run needs=net_raw timeout=3s exit=2 mask=:(\\d+) prog -p {srv.port} x=y -->\n```text\n```\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := doc.Directives[0]
	if d.Opts.Needs != "net_raw" || d.Opts.Timeout.String() != "3s" || d.Opts.Exit != 2 ||
		len(d.Opts.Masks) != 1 || d.Program != "prog" ||
		!reflect.DeepEqual(d.Args, []string{"-p", "{srv.port}", "x=y"}) {
		t.Errorf("bound %+v", d)
	}
	for _, bad := range []string{
		"<!-- nb:run needs=root prog -->",
		"<!-- nb:run timeout=soon prog -->",
		"<!-- nb:run exit=x prog -->",
		"<!-- nb:run mask=( prog -->",
		"<!-- nb:run colour=red prog -->",
		"<!-- nb:run timeout=1s -->",
		"<!-- nb:run timeout=1s timeout=2s prog -->",
		"<!-- nb:include -->",
		"<!-- nb:include a.go b.go -->",
		"<!-- nb:include a.go colour=red -->",
		"<!-- nb:cell extra -->",
		"<!-- nb:start -->",
		"<!-- nb:wait -->",
	} {
		_, err := Parse("s.md", []byte("# T\n\n"+bad+"\n"))
		if err == nil || !strings.HasPrefix(err.Error(), "s.md:3: ") {
			t.Errorf("Parse(%q) = %v, want an error at s.md:3", bad, err)
		}
	}
}

const sampleDoc = "# Title\n\nProse *here*.\n\n<!-- nb:include p/p.go -->\n```go\nold\n```\n\n" +
	"<!-- nb:cell -->\n```go\nprintln(1)\n```\n\n<!-- nb:run p -->\n\n## Sub\n\n```c\nint x;\n```\n"

func TestParse(t *testing.T) {
	d, err := Parse("s.md", []byte(sampleDoc))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Title" {
		t.Errorf("title %q", d.Title)
	}
	var kinds []BlockKind
	for _, b := range d.Blocks {
		kinds = append(kinds, b.Kind)
	}
	want := []BlockKind{HeadingBlock, ProseBlock, DirectiveBlock, DirectiveBlock,
		DirectiveBlock, HeadingBlock, CodeBlock}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("blocks %v, want %v", kinds, want)
	}
	inc := d.Directives[0]
	if f := inc.Fence(0); f == nil || f.Content != "old\n" || f.Line != 6 ||
		sampleDoc[f.Start:f.End] != "old\n" {
		t.Errorf("include fence = %+v", f)
	}
	cell := d.Directives[1]
	if f := cell.Fence(0); f == nil || f.Content != "println(1)\n" || cell.Fence(1) != nil {
		t.Errorf("cell = %+v / %+v", cell.Fence(0), cell.Fence(1))
	}
	if run := d.Directives[2]; run.Fence(0) != nil {
		t.Errorf("run owns %+v; the next block is a heading", run.Fence(0))
	}
	if d.Blocks[1].Markdown != "Prose *here*." {
		t.Errorf("prose %q", d.Blocks[1].Markdown)
	}
}

// TestParseRefuses: what would make -update overwrite text it did not
// write is an error, before anything runs.
func TestParseRefuses(t *testing.T) {
	for name, src := range map[string]string{
		"unclosed fence":           "# T\n\n<!-- nb:run p -->\n```text\nout\n\n## Heading\n\nProse.\n",
		"unclosed fence elsewhere": "# T\n\n```c\nint x;\n\n## Heading\n",
		"wrong kind":               "# T\n\n<!-- nb:run p -->\n```mermaid\ngraph LR\n```\n",
		"include kind":             "# T\n\n<!-- nb:include p/p.go -->\n```text\nx\n```\n",
		"cell not go":              "# T\n\n<!-- nb:cell -->\n```text\nx\n```\n",
		"stdin alone":              "# T\n\n<!-- nb:stdin -->\n\nProse.\n",
		"never stopped":            "# T\n\n<!-- nb:start s p -->\n",
		"stop unknown":             "# T\n\n<!-- nb:stop s -->\n```text\n```\n",
		"started twice":            "# T\n\n<!-- nb:start s p -->\n<!-- nb:start s p -->\n<!-- nb:stop s -->\n```text\n```\n",
	} {
		if _, err := Parse("s.md", []byte(src)); err == nil {
			t.Errorf("%s: parsed without an error", name)
		}
	}
}

// TestRewrite inserts missing generated blocks and replaces stale
// ones, and leaves every other byte as it was.
func TestRewrite(t *testing.T) {
	d, err := Parse("s.md", []byte(sampleDoc))
	if err != nil {
		t.Fatal(err)
	}
	gen := Generated{}
	gen.Set(d.Directives[0], 0, "package p\n")
	gen.Set(d.Directives[1], 1, "1\n")
	gen.Set(d.Directives[2], 0, "out\n")
	got := string(Rewrite(d, gen))
	for _, want := range []string{
		"<!-- nb:include p/p.go -->\n```go\npackage p\n```\n",
		"```go\nprintln(1)\n```\n\n```text\n1\n```\n",
		"<!-- nb:run p -->\n\n```text\nout\n```\n",
		"Prose *here*.\n",
		"## Sub\n\n```c\nint x;\n```\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("after Rewrite, missing %q in:\n%s", want, got)
		}
	}
	// Rewritten once, the file parses and a second rewrite changes
	// nothing; Compare finds nothing to do.
	d2, err := Parse("s.md", []byte(got))
	if err != nil {
		t.Fatal(err)
	}
	if again := string(Rewrite(d2, gen)); again != got {
		t.Errorf("second rewrite changed the file:\n%s", again)
	}
	if ms, n := Compare(d2, gen); len(ms) != 0 || n != 3 {
		t.Errorf("Compare after rewrite: %v, %d compared", ms, n)
	}
	if ms, _ := Compare(d, gen); len(ms) != 3 {
		t.Errorf("Compare before rewrite found %d mismatches, want 3", len(ms))
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "n.md")
	os.WriteFile(path, []byte("old"), 0o600)
	if err := WriteFile(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(b) != "new" || fi.Mode().Perm() != 0o600 {
		t.Errorf("got %q mode %v", b, fi.Mode())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files left in the directory, want 1", len(ents))
	}
}

func TestParity(t *testing.T) {
	en, _ := Parse("a.md", []byte(sampleDoc))
	zhSame := strings.Replace(sampleDoc, "Prose *here*.", "这里是文字。", 1)
	zhSame = strings.Replace(zhSame, "int x;", "int x; // 中文注释", 1)
	zh, _ := Parse("a.zh.md", []byte(zhSame))
	if p := Parity(en, zh); len(p) != 0 {
		t.Errorf("prose and C comments may differ, got %q", p)
	}
	for name, bad := range map[string]string{
		"heading level": strings.Replace(sampleDoc, "## Sub", "### Sub", 1),
		"directive":     strings.Replace(sampleDoc, "nb:run p", "nb:run q", 1),
		"cell code":     strings.Replace(sampleDoc, "println(1)", "println(2)", 1),
		"missing block": strings.Replace(sampleDoc, "```c\nint x;\n```\n", "", 1),
	} {
		zh, err := Parse("a.zh.md", []byte(bad))
		if err != nil {
			t.Fatal(err)
		}
		if p := Parity(en, zh); len(p) == 0 {
			t.Errorf("%s: a difference was not found", name)
		}
	}
}

func TestReadIncludeRegion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.go")
	src := "package main\n\nfunc main() {\n\t// region step\n\tx := 1\n\t_ = x\n\t// endregion step\n}\n"
	os.WriteFile(path, []byte(src), 0o644)
	got, err := ReadInclude(path, "step")
	if err != nil || got != "x := 1\n_ = x\n" {
		t.Errorf("region = %q, %v", got, err)
	}
	if _, err := ReadInclude(path, "none"); err == nil {
		t.Error("a missing region was not reported")
	}
}

// TestFormatDocumented checks chapters/FORMAT.md against the registry:
// every directive and option is documented, and nothing else is.
func TestFormatDocumented(t *testing.T) {
	b, err := os.ReadFile("../../chapters/FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, s := range Specs {
		if !strings.Contains(doc, "nb:"+s.Name) {
			t.Errorf("FORMAT.md does not document nb:%s", s.Name)
		}
		for _, o := range s.Options {
			if !regexp.MustCompile(`[\x60\[ ]` + o.Name + `=`).MatchString(doc) {
				t.Errorf("FORMAT.md does not document the option %s= of nb:%s", o.Name, s.Name)
			}
		}
	}
	for _, m := range regexpAll(`nb:([a-z]+)`, doc) {
		if Lookup(m) == nil {
			t.Errorf("FORMAT.md documents nb:%s, which the runner does not know", m)
		}
	}
}
