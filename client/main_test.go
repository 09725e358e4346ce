package client

// SAFETY: these tests run as root on a shared machine. They signal only
// processes they start themselves (and keep the pids of), the helpers
// their clients start, and absentPID, which no process can have (Linux
// pids stop at 2^22). A request for a real signal to pid 0, -1 or 1 is
// never made; pid -1 and 0 appear only with the null signal, which the
// helper refuses anyway.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/sigrpc/sigrpc/internal/schemacheck"
)

// absentPID is a pid no process can have.
const absentPID = 2147483647

// helperBin is the helper under test: $SIGRPC_BIN, or the one TestMain
// builds (and puts in $SIGRPC_BIN, for the examples).
var helperBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	helperBin = os.Getenv("SIGRPC_BIN")
	if helperBin == "" {
		dir, err := os.MkdirTemp("", "sigrpc-client-test")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		os.Chmod(dir, 0o755) // TestEPERM runs the helper as nobody
		helperBin = filepath.Join(dir, "sigrpc")
		build := exec.Command("go", "build", "-o", helperBin, "./cmd/sigrpc")
		build.Dir = ".." // the module's root
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building the helper:", err)
			return 1
		}
		os.Setenv("SIGRPC_BIN", helperBin)
	}
	var err error
	if schemas, err = resultSchemas(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if broken := brokenResults.take(); len(broken) > 0 {
		fmt.Fprintln(os.Stderr, "results that break their rpc.discover schemas:")
		for _, b := range broken {
			fmt.Fprintln(os.Stderr, " ", b)
		}
		return 1
	}
	return code
}

// schemas holds every result the tests' clients receive to its method's
// schema in the helper's rpc.discover; what breaks one is kept in
// brokenResults and fails the run (after the tests, whose clients read
// answers on their own goroutines).
var (
	schemas       *schemacheck.Checker
	brokenResults problems
)

type problems struct {
	mu   sync.Mutex
	list []string
}

func (p *problems) add(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, s)
}

func (p *problems) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.list
	p.list = nil
	return list
}

// resultSchemas reads the helper's rpc.discover.
func resultSchemas() (*schemacheck.Checker, error) {
	cmd := exec.Command(helperBin, "--framing", "ndjson")
	cmd.Stdin = strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}` + "\n")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("rpc.discover: %w", err)
	}
	var answer struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(out, &answer); err != nil {
		return nil, fmt.Errorf("rpc.discover: %w", err)
	}
	return schemacheck.New(answer.Result)
}

// checkResults is the connection option that holds every result to its
// schema.
func checkResults() jsonrpc2.ConnOpt {
	return jsonrpc2.OnRecv(func(req *jsonrpc2.Request, resp *jsonrpc2.Response) {
		if req == nil || resp == nil || resp.Result == nil || req.Method == "rpc.discover" {
			return
		}
		if err := schemas.Check(req.Method, *resp.Result); err != nil {
			brokenResults.add(err.Error())
		}
	})
}

// testCtx returns a context that ends with the test, or after 30 s.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newClient starts a client of the helper under test, closed when the
// test ends.
func newClient(t *testing.T, args []string, connOpts ...jsonrpc2.ConnOpt) *Client {
	t.Helper()
	c, err := start(testCtx(t), Options{Command: []string{helperBin}, Args: args}, nil, append(connOpts, checkResults())...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// startChild starts a command as a child of the test; if the test has not
// reaped it when it ends, it is killed (through its os.Process, which
// never reaches another process) and reaped.
func startChild(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reap(cmd) })
	return cmd
}

// reap kills and reaps cmd unless it has been reaped.
func reap(cmd *exec.Cmd) {
	if cmd.ProcessState == nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// startReady starts `sh -c script` as a child of the test, and returns
// once the script has written a line (it writes one when it is ready).
func startReady(t *testing.T, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reap(cmd) })
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatalf("%q never said it was ready: %v", script, err)
	}
	return cmd
}

// sentRequest is a request the client wrote.
type sentRequest struct {
	Method string
	Params json.RawMessage // nil if it had none
}

// recorder keeps the requests a client writes, and tells who waits for
// one.
type recorder struct {
	mu     sync.Mutex
	reqs   []sentRequest
	notify chan string // if not nil, gets each method written (never blocks)
}

func newRecorder() *recorder { return &recorder{notify: make(chan string, 1024)} }

// opt is the connection option that records.
func (r *recorder) opt() jsonrpc2.ConnOpt {
	return jsonrpc2.OnSend(func(req *jsonrpc2.Request, _ *jsonrpc2.Response) {
		if req == nil {
			return
		}
		s := sentRequest{Method: req.Method}
		if req.Params != nil {
			s.Params = append(json.RawMessage(nil), *req.Params...)
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, s)
		r.mu.Unlock()
		select {
		case r.notify <- req.Method:
		default:
		}
	})
}

// take returns the requests recorded since the last take.
func (r *recorder) take() []sentRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	reqs := r.reqs
	r.reqs = nil
	return reqs
}

// await waits until a request for method has been written (OnSend runs
// just before the write).
func (r *recorder) await(t *testing.T, method string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-r.notify:
			if m == method {
				return
			}
		case <-timeout:
			t.Fatalf("no %s request was written", method)
		}
	}
}
