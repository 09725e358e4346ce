package disttest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serverStartTimeout bounds how long a registry server may take to answer.
const serverStartTimeout = 90 * time.Second

var errServerExited = errors.New("the server exited before it answered")

// startServer starts a server, argv(port), that listens on 127.0.0.1:port,
// and returns its URL (http://127.0.0.1:port) once GET
// url+readyPath answers 200. The port is one the kernel had free a moment
// before; should the server exit before it answers (another process took
// the port), it starts again on another, three times in all.
//
// The server is this test's own child: when the test ends, t.Cleanup kills
// it by its pid (SIGKILL: it keeps nothing worth a clean exit) and reaps
// it. Should the test binary die first (a -timeout panic), the kernel sends
// it SIGKILL (Pdeathsig). Nothing else is signalled.
func startServer(t *testing.T, dir string, env []string, readyPath string, argv func(port int) []string) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		args := argv(port)
		logPath := filepath.Join(dir, fmt.Sprintf("%s-%d.log", filepath.Base(args[0]), port))
		url, stop, err := tryServer(dir, env, readyPath, logPath, port, args)
		if err == nil {
			t.Cleanup(func() {
				if err := stop(); err != nil {
					t.Errorf("stopping %s: %v", args[0], err)
				}
			})
			return url
		}
		if stopErr := stop(); stopErr != nil {
			t.Errorf("stopping %s: %v", args[0], stopErr)
		}
		log, _ := os.ReadFile(logPath)
		if attempt == 3 || !errors.Is(err, errServerExited) {
			t.Fatalf("%s (try %d): %v\nits output:\n%s", strings.Join(args, " "), attempt, err, log)
		}
		t.Logf("%s: %v; trying another port. Its output:\n%s", args[0], err, log)
	}
}

// tryServer starts args and waits for it to answer; stop kills it (if it
// still runs) and reaps it.
func tryServer(dir string, env []string, readyPath, logPath string, port int, args []string) (url string, stop func() error, err error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return "", func() error { return nil }, err
	}
	defer logFile.Close() // the server has its own descriptor
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", func() error { return nil }, err
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	stop = func() error {
		select {
		case <-done:
			return nil
		default:
		}
		// The pid of the process this test started, not yet reaped (Wait
		// has not returned), so it is still that process.
		if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return err
		}
		select {
		case <-done:
			return nil
		case <-time.After(30 * time.Second):
			return fmt.Errorf("pid %d still runs 30 s after SIGKILL", cmd.Process.Pid)
		}
	}
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(serverStartTimeout)
	for {
		select {
		case <-done:
			return "", stop, fmt.Errorf("%w: %v", errServerExited, cmd.ProcessState)
		default:
		}
		resp, err := client.Get(url + readyPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, stop, nil
			}
		}
		if time.Now().After(deadline) {
			return "", stop, fmt.Errorf("no answer from %s within %v (last: %v)", url+readyPath, serverStartTimeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
