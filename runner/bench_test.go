package main

import (
	"os"
	"testing"
)

// BenchmarkChapter plays the whole of chapter04 (every program, server
// and client pairs included, output discarded) three ways in one run:
//
//   - yaegi: each program interpreted, as the runner does;
//   - go-run: each program started with "go run" (warm build cache),
//     which is what a reader would otherwise type;
//   - compiled: prebuilt binaries, the floor: the time the programs
//     themselves spend (timers, the kernel, waiting on each other).
//
// Cells run in the interpreter in all three. The runner's exit status
// is not the point here: under "go run" a program's own exit status is
// folded into 1, so some expectations fail there.
//
//	go test -run '^$' -bench Chapter -benchtime 3x ./runner
func BenchmarkChapter(b *testing.B) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	root := repoRoot(b)
	bin := programs(b)
	args := []string{"-root", root, "-timeout", "60s", "chapter04"}
	for _, mode := range []struct{ name, env, value string }{
		{"yaegi", envGoRun, ""},
		{"go-run", envGoRun, "1"},
		{"compiled", envBinDir, bin},
	} {
		b.Run(mode.name, func(b *testing.B) {
			b.Setenv(mode.env, mode.value)
			// One untimed play warms the build cache and the page cache.
			mainExit(args, devnull, devnull)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				mainExit(args, devnull, devnull)
			}
		})
	}
}
