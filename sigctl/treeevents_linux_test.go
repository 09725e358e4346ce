package sigctl

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/proctest"
)

// TestTreeCallsLeakNoSubscription: a thousand tree calls, each following
// fork events through a subscription of its own, leave no descriptor and
// no goroutine behind. The calls send NONE, so the tree lives on.
func TestTreeCallsLeakNoSubscription(t *testing.T) {
	if !proctest.ForkEventsExpected() {
		t.Skip("fork events need root in the initial pid and user namespaces")
	}
	tr := startTree(t, "sleep 1000 & wait", 2, 1)
	k := NewController(Policy{Self: os.Getpid()})
	defer k.Close()
	call := func() {
		res, err := k.Terminate(context.Background(), Target{PID: tr.pids[0]}, TerminateOptions{Signal: None, Tree: true})
		if err != nil || res.Method != MethodForkEvents || !res.Complete {
			t.Fatalf("terminate(tree, NONE) = %+v, %v; want complete through fork events", res, err)
		}
	}
	call() // whatever a first call sets up once
	fds, goroutines := openFDs(t), runtime.NumGoroutine()
	for range 1000 {
		call()
	}
	if now := openFDs(t); now > fds {
		t.Errorf("open descriptors: %d before a thousand tree calls, %d after", fds, now)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // a goroutine ending on its own
	}
	if now := runtime.NumGoroutine(); now > goroutines {
		t.Errorf("goroutines: %d before a thousand tree calls, %d after", goroutines, now)
	}
}
