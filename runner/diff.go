package main

import (
	"fmt"
	"strings"
)

// diff shows the lines that differ between recorded (-) and fresh (+),
// with a line of context; long outputs show the first differences only.
func diff(a, b string) string {
	x := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
	y := strings.Split(strings.TrimSuffix(b, "\n"), "\n")
	if len(x) > 3000 || len(y) > 3000 {
		for k := 0; k < len(x) && k < len(y); k++ {
			if x[k] != y[k] {
				return fmt.Sprintf("    line %d:\n    - %s\n    + %s", k+1, x[k], y[k])
			}
		}
		return fmt.Sprintf("    %d lines recorded, %d lines now", len(x), len(y))
	}
	// Longest common subsequence, then walk it.
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else if lcs[i+1][j] >= lcs[i][j+1] {
				lcs[i][j] = lcs[i+1][j]
			} else {
				lcs[i][j] = lcs[i][j+1]
			}
		}
	}
	var out []string
	shown := 0
	i, j := 0, 0
	for (i < n || j < m) && shown < 40 {
		switch {
		case i < n && j < m && x[i] == y[j]:
			i++
			j++
			continue
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, "    + "+y[j])
			j++
		default:
			out = append(out, "    - "+x[i])
			i++
		}
		shown++
	}
	if a == "" {
		out = append([]string{"    (the recorded block is empty)"}, out...)
	}
	return strings.Join(out, "\n")
}
