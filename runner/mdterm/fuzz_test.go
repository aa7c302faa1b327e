package mdterm

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var sgrOnlyRE = regexp.MustCompile("^\x1b\\[[0-9;]+m")

// FuzzRender checks that any input renders without panicking, as valid
// UTF-8 holding no control character but newlines, and, in colour, no
// escape sequence other than SGR.
func FuzzRender(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.md")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err == nil {
			f.Add(b, 40)
		}
	}
	f.Add([]byte("> - a\n>   1. `b\x1b`\n\n| x |\n|:-:|\n| 中，文 |\n"), 3)
	f.Add([]byte("\xff\xfe\x00\r\n\u0085\u202e"), 1)
	f.Fuzz(func(t *testing.T, src []byte, width int) {
		width %= 200
		for _, color := range []bool{false, true} {
			out := Render(src, Options{Width: width, Color: color})
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 in %q", out)
			}
			for k, r := range out {
				if r == '\x1b' && color {
					if !sgrOnlyRE.MatchString(out[k:]) {
						t.Fatalf("escape that is not SGR at %d: %q", k, out)
					}
					continue
				}
				if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					t.Fatalf("control character %U (colour %v) in %q", r, color, out)
				}
			}
			if !color && strings.Contains(out, "\x1b") {
				t.Fatal("escape without colour")
			}
		}
	})
}
