package main

import (
	"testing"
)

// TestThreads checks the reading of /proc/self/status: a Go process
// always has more than one thread.
func TestThreads(t *testing.T) {
	if n := threads(); n < 2 {
		t.Errorf("threads() = %d, want 2 or more", n)
	}
}
