// The captured table below is in the byte order of a little-endian
// machine; the example runs only where the kernel prints that order.

//go:build 386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm

package procnet_test

import (
	"fmt"

	"github.com/tcpnotebook/tcpnotebook/internal/procnet"
)

// A table captured on x86-64 while an echo server listened on port
// 8080 and a client had just closed a connection to it.
const captured = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 41235 1 0000000000000000 100 0 0 10 0
   1: 3500007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 17466 1 0000000000000000 100 0 0 10 5
   2: 0100007F:1F90 0100007F:C350 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   3: 0100007F:C352 0100007F:1F90 01 00000000:00000006 00:00000000 00000000  1000        0 41240 1 0000000000000000 20 4 30 10 -1
`

func Example() {
	// Keep the lines of port 8080 (hex 1F90) before parsing them.
	t, err := procnet.Parse(procnet.GrepPort(captured, 8080))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range t {
		fmt.Printf("%-15s %-15s %-11s rx %d", e.Local, e.Remote,
			e.State, e.RxQueue)
		if e.Timer == procnet.TimerTimeWait {
			fmt.Printf(", %v left", e.Expires)
		}
		fmt.Println()
	}
	// Output:
	// 127.0.0.1:8080  0.0.0.0:0       LISTEN      rx 0
	// 127.0.0.1:8080  127.0.0.1:50000 TIME_WAIT   rx 0, 1m0s left
	// 127.0.0.1:50002 127.0.0.1:8080  ESTABLISHED rx 6
}
