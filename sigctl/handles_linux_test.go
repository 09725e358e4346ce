package sigctl

import (
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openFDs returns how many file descriptors this process has open.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestKillReusesTheHandleOfALiveProcess(t *testing.T) {
	k := NewController(Policy{})
	defer k.Close()
	cmd := startSleep(t)
	target := Target{PID: cmd.Process.Pid}
	if err := k.Kill(target, 0); err != nil {
		t.Fatalf("Kill(child, NONE) = %v", err)
	}
	first := k.handles.take(cmd.Process.Pid)
	if first == nil {
		t.Fatal("no handle cached after a kill")
	}
	k.handles.put(first)
	before := openFDs(t)
	for range 100 {
		if err := k.Kill(target, 0); err != nil {
			t.Fatalf("Kill(child, NONE) = %v", err)
		}
	}
	if after := openFDs(t); after != before {
		t.Fatalf("100 kills of one process: %d open fds, want %d", after, before)
	}
	if p := k.handles.take(cmd.Process.Pid); p != first {
		t.Fatal("the cached handle was replaced although its process lives")
	}
}

// TestKillReplacesAHandleWhoseProcessIsGone plants the pidfd of a reaped
// child under the pid of a live one, as if the live child had reused the
// pid: Kill must find the handle stale and reach the live child afresh,
// with or without a start time to check.
func TestKillReplacesAHandleWhoseProcessIsGone(t *testing.T) {
	for name, startTime := range map[string]bool{"pid only": false, "with start_time": true} {
		t.Run(name, func(t *testing.T) {
			k := NewController(Policy{})
			defer k.Close()
			gone := exec.Command("true")
			if err := gone.Start(); err != nil {
				t.Fatal(err)
			}
			stale, err := Open(gone.Process.Pid)
			if err != nil {
				t.Fatal(err)
			}
			gone.Wait()
			live := startSleep(t)
			target := Target{PID: live.Process.Pid}
			if startTime {
				info, err := k.Inspect(target.PID)
				if err != nil {
					t.Fatal(err)
				}
				target.StartTime = info.StartTime
			}
			stale.pid = live.Process.Pid
			k.handles.put(stale)
			if err := k.Kill(target, Signum(unix.SIGTERM)); err != nil {
				t.Fatalf("Kill through a stale handle = %v, want success", err)
			}
			if sig := waitSignal(t, live); sig != syscall.SIGTERM {
				t.Fatalf("live child ended by %v, want SIGTERM", sig)
			}
			if p := k.handles.take(live.Process.Pid); p == stale {
				t.Fatal("the stale handle is still cached")
			}
		})
	}
}

func TestKillCachesABoundedNumberOfHandles(t *testing.T) {
	k := NewController(Policy{})
	var children []*exec.Cmd
	for range handleCacheSize + 4 {
		children = append(children, startSleep(t))
	}
	before := openFDs(t)
	for _, cmd := range children {
		if err := k.Kill(Target{PID: cmd.Process.Pid}, 0); err != nil {
			t.Fatalf("Kill(child, NONE) = %v", err)
		}
	}
	if n := k.handles.len(); n != handleCacheSize {
		t.Fatalf("%d handles cached after %d kills, want %d", n, len(children), handleCacheSize)
	}
	if got := openFDs(t); got != before+handleCacheSize {
		t.Fatalf("%d open fds, want %d", got, before+handleCacheSize)
	}
	k.Close()
	if got := openFDs(t); got != before {
		t.Fatalf("after Close: %d open fds, want %d", got, before)
	}
	if err := k.Kill(Target{PID: children[0].Process.Pid}, 0); err != nil {
		t.Fatalf("Kill after Close = %v", err)
	}
	if n := k.handles.len(); n != 0 || openFDs(t) != before {
		t.Fatalf("after Close a kill left %d handles cached", n)
	}
}

func TestKillFromManyGoroutinesSharesNoHandle(t *testing.T) {
	k := NewController(Policy{})
	children := []*exec.Cmd{startSleep(t), startSleep(t), startSleep(t)}
	before := openFDs(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				cmd := children[(g+i)%len(children)]
				if err := k.Kill(Target{PID: cmd.Process.Pid}, 0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Kill = %v", err)
	}
	if got := openFDs(t); got > before+len(children) {
		t.Fatalf("%d open fds after concurrent kills, want at most %d", got, before+len(children))
	}
	k.Close()
	if got := openFDs(t); got != before {
		t.Fatalf("after Close: %d open fds, want %d", got, before)
	}
}
