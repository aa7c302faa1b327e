// fdset takes select(2) apart: the fd_set bit array, what select
// does to the sets and to the timeout it is given, and what happens
// at descriptor 1024, the end of an fd_set.
//
// Usage:
//
//	fdset [part]
//
// The parts are bits, rewrite, timeout, limit, or all (the default).
// The program uses socket pairs only: nothing goes on the network.
package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

const usage = "usage: fdset [bits|rewrite|timeout|limit|all]"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "fdset: error: %v\n", err)
		// A pointer type assertion: errors.As does not see
		// interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	part := "all"
	if len(args) > 1 {
		return &usageError{"want at most 1 argument: the part"}
	}
	if len(args) == 1 {
		part = args[0]
	}
	if part == "-h" || part == "-help" || part == "--help" {
		fmt.Println(usage)
		return nil
	}
	if strings.HasPrefix(part, "-") {
		return &usageError{"flag provided but not defined: " + part}
	}
	parts := map[string]func() error{
		"bits": bits, "rewrite": rewrite, "timeout": timeout,
		"limit": limit,
	}
	if part == "all" {
		for i, p := range []string{"bits", "rewrite", "timeout", "limit"} {
			if i > 0 {
				fmt.Println()
			}
			if err := parts[p](); err != nil {
				return err
			}
		}
		return nil
	}
	f, ok := parts[part]
	if !ok {
		return &usageError{fmt.Sprintf("unknown part %q (want bits, "+
			"rewrite, timeout, limit or all)", part)}
	}
	return f()
}

// region macros
// setSize is FD_SETSIZE: the number of bits in an fd_set. In Go the
// type is syscall.FdSet{Bits [16]int64}: 16 words of 64 bits.
const setSize = len(syscall.FdSet{}.Bits) * 64

// fdSet is FD_SET(fd, set): bit fd%64 of word fd/64. C's macro does
// not check fd; here a descriptor past the end is an error instead
// of a write past the end of the structure.
func fdSet(set *syscall.FdSet, fd int) error {
	if fd < 0 || fd >= setSize {
		return fmt.Errorf("FD_SET(%d): an fd_set holds descriptors "+
			"0 to %d", fd, setSize-1)
	}
	set.Bits[fd/64] |= 1 << (uint(fd) % 64)
	return nil
}

// fdIsSet is FD_ISSET(fd, set).
func fdIsSet(set *syscall.FdSet, fd int) bool {
	return set.Bits[fd/64]&(1<<(uint(fd)%64)) != 0
}

// fdZero is FD_ZERO(set).
func fdZero(set *syscall.FdSet) {
	for i := range set.Bits {
		set.Bits[i] = 0
	}
}

// endregion macros

// members lists the descriptors set in the first n bits of set.
func members(set *syscall.FdSet, n int) []int {
	var fds []int
	for fd := 0; fd < n && fd < setSize; fd++ {
		if fdIsSet(set, fd) {
			fds = append(fds, fd)
		}
	}
	return fds
}

// region bits
func bits() error {
	fmt.Println("== bits: an fd_set is a bit array ==")
	var set syscall.FdSet
	fmt.Printf("sizeof(fd_set) = %d bytes = %d bits (FD_SETSIZE)\n",
		unsafe.Sizeof(set), setSize)
	fdZero(&set)
	for _, fd := range []int{0, 3, 5, 64, 130, 1023} {
		if err := fdSet(&set, fd); err != nil {
			return err
		}
	}
	fmt.Println("FD_SET 0, 3, 5, 64, 130, 1023; the non-zero words:")
	for i, w := range set.Bits {
		if w != 0 {
			fmt.Printf("  word %2d (fds %4d-%4d) = 0x%016x\n",
				i, i*64, i*64+63, uint64(w))
		}
	}
	fmt.Printf("FD_ISSET(5) = %v, FD_ISSET(6) = %v\n",
		fdIsSet(&set, 5), fdIsSet(&set, 6))
	return nil
}

// endregion bits

// pairs makes n connected socket pairs: [i][0] is the end select
// watches, [i][1] the end the program writes to.
func pairs(n int) ([][2]int, func(), error) {
	var ps [][2]int
	closeAll := func() {
		for _, p := range ps {
			syscall.Close(p[0])
			syscall.Close(p[1])
		}
	}
	for i := 0; i < n; i++ {
		// C: socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
		p, err := syscall.Socketpair(syscall.AF_UNIX,
			syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			closeAll()
			return nil, nil, os.NewSyscallError("socketpair", err)
		}
		ps = append(ps, p)
	}
	return ps, closeAll, nil
}

// names turns descriptors into the names a, b, c of the pairs.
func names(fds []int, ps [][2]int) string {
	var out []string
	for _, fd := range fds {
		for i, p := range ps {
			if p[0] == fd {
				out = append(out, string(rune('a'+i)))
			}
		}
	}
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, " ")
}

// region rewrite
func rewrite() error {
	fmt.Println("== rewrite: select overwrites the sets it is given ==")
	ps, closeAll, err := pairs(3)
	if err != nil {
		return err
	}
	defer closeAll()
	maxfd := 0
	var watch syscall.FdSet
	for _, p := range ps {
		fdSet(&watch, p[0])
		if p[0] > maxfd {
			maxfd = p[0]
		}
	}
	zero := syscall.Timeval{}

	// Only b has data.
	syscall.Write(ps[1][1], []byte("x"))
	set := watch
	fmt.Printf("before: readfds = %s\n", names(members(&set, maxfd+1), ps))
	// C: n = select(maxfd + 1, &readfds, NULL, NULL, &tv)
	n, err := syscall.Select(maxfd+1, &set, nil, nil, &zero)
	if err != nil {
		return os.NewSyscallError("select", err)
	}
	fmt.Printf("select returned %d; after: readfds = %s\n",
		n, names(members(&set, maxfd+1), ps))

	// Now c has data too. Passing the same set again, as a loop
	// that does not rebuild it would, asks about b only.
	syscall.Write(ps[2][1], []byte("x"))
	zero = syscall.Timeval{}
	n, err = syscall.Select(maxfd+1, &set, nil, nil, &zero)
	if err != nil {
		return os.NewSyscallError("select", err)
	}
	fmt.Printf("same set again, c now readable too: %d ready: %s\n",
		n, names(members(&set, maxfd+1), ps))

	// Rebuilt from the list of watched descriptors, it sees both.
	set = watch
	zero = syscall.Timeval{}
	n, err = syscall.Select(maxfd+1, &set, nil, nil, &zero)
	if err != nil {
		return os.NewSyscallError("select", err)
	}
	fmt.Printf("set rebuilt before the call: %d ready: %s\n",
		n, names(members(&set, maxfd+1), ps))
	return nil
}

// endregion rewrite

// region timeout
func timeout() error {
	fmt.Println("== timeout: Linux writes the time left back ==")
	ps, closeAll, err := pairs(1)
	if err != nil {
		return err
	}
	defer closeAll()
	fd := ps[0][0]

	// Nothing to read: select sleeps the whole timeout and
	// leaves it at zero.
	var set syscall.FdSet
	fdSet(&set, fd)
	tv := syscall.Timeval{Sec: 0, Usec: 200000}
	fmt.Printf("nothing ready, timeout %s\n", show(tv))
	n, err := syscall.Select(fd+1, &set, nil, nil, &tv)
	if err != nil {
		return os.NewSyscallError("select", err)
	}
	fmt.Printf("  returned %d, timeout now %s\n", n, show(tv))

	// Data waiting: select returns at once, and the timeout holds
	// what was not used, a little under 5 s.
	syscall.Write(ps[0][1], []byte("x"))
	fdZero(&set)
	fdSet(&set, fd)
	tv = syscall.Timeval{Sec: 5}
	fmt.Printf("data waiting, timeout %s\n", show(tv))
	n, err = syscall.Select(fd+1, &set, nil, nil, &tv)
	if err != nil {
		return os.NewSyscallError("select", err)
	}
	left := time.Duration(tv.Nano())
	fmt.Printf("  returned %d, timeout now %s\n", n, show(tv))
	fmt.Printf("  less than 5 s left, more than 4 s: %v\n",
		left < 5*time.Second && left > 4*time.Second)
	return nil
}

func show(tv syscall.Timeval) string {
	return fmt.Sprintf("{tv_sec: %d, tv_usec: %06d}", tv.Sec, tv.Usec)
}

// endregion timeout

// region limit
func limit() error {
	fmt.Println("== limit: descriptor 1024 ==")
	// Go raises the soft RLIMIT_NOFILE to the hard limit when it
	// starts, so descriptor 1024 can usually be opened; C programs
	// get 1024 by default and must call setrlimit first.
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return os.NewSyscallError("getrlimit", err)
	}
	if rl.Cur < 2048 {
		return fmt.Errorf("RLIMIT_NOFILE is %d: descriptor 1024 "+
			"needs more (ulimit -n 2048)", rl.Cur)
	}
	fmt.Println("RLIMIT_NOFILE soft limit: 2048 or more")

	ps, closeAll, err := pairs(1)
	if err != nil {
		return err
	}
	defer closeAll()
	// C: dup2(sv[0], 1024): the same socket, as descriptor 1024.
	const high = 1024
	if err := syscall.Dup3(ps[0][0], high, syscall.O_CLOEXEC); err != nil {
		return os.NewSyscallError("dup3", err)
	}
	defer syscall.Close(high)
	syscall.Write(ps[0][1], []byte("x"))

	var set syscall.FdSet
	fmt.Printf("fd_set: %v\n", fdSet(&set, high))

	// The kernel has no such limit: it reads nfds bits from the
	// pointer it is given. Two fd_sets side by side make a
	// 2048-bit array, and select(1025, ...) reads bit 1024, in the
	// second one.
	var two [2]syscall.FdSet
	two[1].Bits[0] = 1 // bit 1024 of the pair
	n, err := syscall.Select(high+1, &two[0], nil, nil,
		&syscall.Timeval{})
	if err != nil {
		return os.NewSyscallError("select", err)
	}
	fmt.Printf("select(1025) on a 2048-bit array: %d ready, bit 1024 "+
		"set: %v\n", n, two[1].Bits[0] == 1)

	// select(2) says nfds above RLIMIT_NOFILE gives EINVAL. The
	// kernel (fs/select.c, core_sys_select) only refuses a negative
	// nfds, and trims a larger one to the size of the process's
	// descriptor table. The array here is large enough for any nfds
	// up to the limit, so nothing is read out of bounds.
	big := make([]syscall.FdSet, rl.Cur/uint64(setSize)+2)
	n, err = syscall.Select(int(rl.Cur)+1, &big[0], nil, nil,
		&syscall.Timeval{})
	fmt.Printf("select(RLIMIT_NOFILE + 1): %d ready, error: %v\n", n, err)
	_, err = syscall.Select(-1, nil, nil, nil, &syscall.Timeval{})
	fmt.Printf("select(-1): %v\n", os.NewSyscallError("select", err))
	return nil
}

// endregion limit
