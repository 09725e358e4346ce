package sigctl

import (
	"context"
	"strings"
	"testing"
	"time"
)

// BenchmarkTerminatePlainTree ends a tree of 205 processes: sh running 4
// shells that start 50 sleeps each, as make bench-trees's plain tree. Only
// the call is timed; starting the tree is not.
func BenchmarkTerminatePlainTree(b *testing.B) {
	script := strings.Repeat(`sh -c 'i=0; while [ $i -lt 50 ]; do sleep 1000 & i=$((i+1)); done; wait' &`+"\n", 4) + "wait"
	k := NewController(Policy{})
	defer k.Close()
	opts := treeOpts
	opts.Timeout = 5 * time.Second
	for b.Loop() {
		b.StopTimer()
		tr := startTree(b, script, 205, 200)
		b.StartTimer()
		res, err := k.Terminate(context.Background(), Target{PID: tr.root.Process.Pid}, opts)
		b.StopTimer()
		if err != nil || !res.Exited || len(res.Members) != 205 {
			b.Fatalf("Terminate = %+v, %v", res, err)
		}
		b.ReportMetric(float64(len(res.Members)), "members")
		tr.kill()
		b.StartTimer()
	}
}
