package sandbox

import "syscall"

// Kill ends the cells' interpreter and what it started at once (its
// process group), for a reader who stops a cell that does not end.
// The cell being run returns an error; later cells find the
// interpreter gone.
func (c *Cells) Kill() {
	c.p.Kill(syscall.SIGKILL)
}
