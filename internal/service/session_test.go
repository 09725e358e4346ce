package service

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sigrpc/sigrpc/internal/testio"
	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/sigctl"
)

// TestStalledClientKeepsGoroutinesBounded: a client that never reads its
// answers while it keeps sending wait and kill calls (45 a write, each
// write ending mid-line) holds the server to its blocking-call slots plus
// a few goroutines, and to its output limit; once the client reads, every
// answer arrives.
func TestStalledClientKeepsGoroutinesBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	child := exec.Command("sleep", "120")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	inR, inW, _ := os.Pipe()
	outR, outW, _ := os.Pipe()
	t.Cleanup(func() { inR.Close(); inW.Close(); outR.Close(); outW.Close() })

	const maxBlocking = 256
	base := runtime.NumGoroutine()
	srv := rpc.NewServer(Methods(sigctl.NewController(sigctl.Policy{Self: os.Getpid()})), rpc.Options{MaxBlocking: maxBlocking, MaxPendingOutput: 64 << 10, Busy: Busy()})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, inR, outW) }()

	flood := testio.StartFlood(inW, 45, func(id int) string {
		if id%2 == 0 {
			return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"wait","params":[%d,20]}`+"\n", id, child.Process.Pid)
		}
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"kill","params":[%d,"NONE"]}`+"\n", id, child.Process.Pid)
	})

	peak := 0
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		peak = max(peak, runtime.NumGoroutine()-base)
	}
	t.Logf("peak %d goroutines above the test's own, %d requests sent", peak, flood.Sent())
	if peak > maxBlocking+100 {
		t.Errorf("%d goroutines with a stalled client, want at most %d + 100", peak, maxBlocking)
	}

	// Now read: every request sent gets its answer.
	answered := map[int]bool{}
	lines := bufio.NewScanner(outR)
	lines.Buffer(nil, 1<<20)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for lines.Scan() {
			var resp struct{ ID int }
			if err := json.Unmarshal(lines.Bytes(), &resp); err != nil {
				t.Errorf("bad answer %q", lines.Text())
				return
			}
			answered[resp.ID] = true
		}
	}()
	sent := flood.Stop()
	inW.Close() // the end of input: the server finishes, then ends its output
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not finish after the client started reading")
	}
	outW.Close()
	<-readDone
	for id := range sent {
		if !answered[id] {
			t.Fatalf("request %d of %d got no answer (%d answers)", id, sent, len(answered))
		}
	}
}

// TestOutputIsAlwaysUTF8: invalid UTF-8 in anything the server echoes (an
// id, a method name, a signal name, a param name) is replaced, each bad
// byte by \ufffd, so that every answer is valid UTF-8 and valid JSON.
func TestOutputIsAlwaysUTF8(t *testing.T) {
	srv := rpc.NewServer(Methods(sigctl.NewController(sigctl.Policy{Self: os.Getpid()})), rpc.Options{Framing: rpc.FramingNDJSON})
	for _, tc := range []struct{ name, request, want string }{
		{"id", `{"jsonrpc":"2.0","id":"a` + "\xff" + `b","method":"signum","params":["TERM"]}`, `{"jsonrpc":"2.0","id":"a\ufffdb","result":15}`},
		{"id with a valid multibyte rune", `{"jsonrpc":"2.0","id":"é` + "\xc3" + `","method":"signum","params":["TERM"]}`, `{"jsonrpc":"2.0","id":"é\ufffd","result":15}`},
		{"method", `{"jsonrpc":"2.0","id":1,"method":"x` + "\xfe" + `","params":[]}`, `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found","data":{"method":"x\ufffd"}}}`},
		{"signal name", `{"jsonrpc":"2.0","id":1,"method":"kill","params":[2147483647,"T` + "\xff" + `RM"]}`, `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"unknown signal name","data":{"signal":"T\ufffdRM","reason":"unknown-signal"}}}`},
		{"param name", `{"jsonrpc":"2.0","id":1,"method":"signum","params":{"n` + "\xff" + `me":"TERM"}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			if err := srv.Serve(context.Background(), strings.NewReader(tc.request+"\n"), &out); err != nil {
				t.Fatal(err)
			}
			got := strings.TrimSuffix(out.String(), "\n")
			if !utf8.ValidString(got) || !json.Valid([]byte(got)) {
				t.Fatalf("answer %q is not valid UTF-8 JSON", got)
			}
			if tc.want != "" && got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
