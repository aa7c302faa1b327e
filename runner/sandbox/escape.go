package sandbox

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape makes a program's output safe to show on a terminal and to
// record in the notes: control characters other than newline and tab
// (an escape sequence could move the cursor, change colours or the
// window title) and bytes that are not UTF-8 are written as Go escapes
// (\x1b, \r, \xff, \u0085). Text without them is returned as it is.
func Escape(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || needsEscape(r) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && needsEscape(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f ||
		(r >= 0x80 && r <= 0x9f)
}
