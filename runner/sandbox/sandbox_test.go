package sandbox

import (
	"testing"
)

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

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text\n", "plain text\n"},
		{"tab\there\n", "tab\there\n"},
		{"中文，没问题\n", "中文，没问题\n"},
		{"\x1b[31mred\x1b[0m\n", `\x1b[31mred\x1b[0m` + "\n"},
		{"a\rb", `a\rb`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"nul\x00", `nul\x00`},
		{"c1 \u009b", `c1 \u009b`},
		{"del\x7f", `del\x7f`},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
