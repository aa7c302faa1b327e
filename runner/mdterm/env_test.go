package mdterm

import "testing"

func TestColorFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		tty  bool
		want bool
	}{
		{nil, true, true},
		{nil, false, false},
		{map[string]string{"NO_COLOR": "1"}, true, false},
		{map[string]string{"NO_COLOR": ""}, true, true},
		{map[string]string{"TERM": "dumb"}, true, false},
		{map[string]string{"TERM": "xterm-256color"}, true, true},
		{map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{map[string]string{"FORCE_COLOR": "3"}, false, true},
		{map[string]string{"FORCE_COLOR": "0"}, false, false},
		{map[string]string{"FORCE_COLOR": "false"}, false, false},
		{map[string]string{"CLICOLOR_FORCE": "0"}, true, true},
		{map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "x"}, false, false},
		{map[string]string{"CLICOLOR_FORCE": "1", "TERM": "dumb"}, false, false},
	}
	for _, tt := range tests {
		got := ColorFromEnv(func(k string) string { return tt.env[k] }, tt.tty)
		if got != tt.want {
			t.Errorf("ColorFromEnv(%v, terminal %v) = %v, want %v", tt.env, tt.tty, got, tt.want)
		}
	}
}

func TestWidthFromEnv(t *testing.T) {
	tests := []struct {
		columns string
		term    int
		want    int
	}{
		{"", 0, 80},
		{"", 132, 132},
		{"100", 0, 100},
		{"100", 60, 60},
		{" 72 ", 0, 72},
		{"0", 0, 80},
		{"-5", 0, 80},
		{"wide", 0, 80},
		{"", -1, 80},
	}
	for _, tt := range tests {
		got := WidthFromEnv(func(k string) string {
			if k == "COLUMNS" {
				return tt.columns
			}
			return ""
		}, tt.term)
		if got != tt.want {
			t.Errorf("WidthFromEnv(COLUMNS=%q, %d) = %d, want %d", tt.columns, tt.term, got, tt.want)
		}
	}
}
