// Command lineecho is the floor of sigrpc-bench's cold-start table: the
// least a Go program can do with a request on a pipe. It reads a line from
// stdin and writes it back to stdout, and so on until its input ends:
// given one line and the end of input, as `echo '{...}' | sigrpc` gives
// sigrpc, it reads one line, writes one line and exits. It imports only
// bufio and os, and `make bench-coldstart` builds it as the release
// builds the helper (CGO_ENABLED=0, -trimpath, -ldflags '-s -w'), so that
// what separates the two is the helper's own work.
package main

import (
	"bufio"
	"os"
)

func main() {
	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadSlice('\n')
		if len(line) > 0 {
			if _, werr := os.Stdout.Write(line); werr != nil {
				os.Exit(1)
			}
		}
		if err != nil {
			return
		}
	}
}
