package mdterm

import (
	"strconv"
	"strings"
)

// ColorFromEnv decides whether to use colour: never when NO_COLOR is set
// (https://no-color.org) or TERM is dumb; always when CLICOLOR_FORCE or
// FORCE_COLOR is set to something other than "0" or "false", even off a
// terminal, so that `runner ... | less -R` keeps the styles; otherwise
// only on a terminal.
func ColorFromEnv(getenv func(string) string, isTerminal bool) bool {
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	if forced(getenv("CLICOLOR_FORCE")) || forced(getenv("FORCE_COLOR")) {
		return true
	}
	return isTerminal
}

func forced(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// WidthFromEnv returns the width to render at: the terminal's width
// when it is known (termWidth > 0), else $COLUMNS when it holds a
// positive number, else 80.
func WidthFromEnv(getenv func(string) string, termWidth int) int {
	if termWidth > 0 {
		return termWidth
	}
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	return 80
}
