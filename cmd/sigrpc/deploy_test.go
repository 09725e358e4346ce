//go:build linux

package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/sigrpc/sigrpc/internal/proctest"
	"github.com/sigrpc/sigrpc/internal/spawn"
)

// These tests run the README's "Privileged deployment" recipes for real,
// as root: a copy of the helper with the file capability CAP_KILL, run
// by an unprivileged uid; and a sudoers line that lets an unprivileged
// user run exactly the helper with fixed flags. Each helper serves with
// --allow-uid of a second uid and --audit; the test starts a sleep as
// that uid (through setpriv) and one as root, and checks that the first
// can be signalled, the second is refused with reason uid, and both are in
// the audit log. They use the build without the race detector
// (plainBinPath), as a deployment would.
//
// The uids below have no account: setpriv needs none. sudo needs a real
// user: TestPrivilegedDeploySudo creates one with useradd (deployUser)
// and removes it with userdel when it ends. The sudoers line is a file of
// /etc/sudoers.d, checked with visudo and removed when the test ends. The
// helper copies live in a root-owned directory the test makes and
// removes.

// The unprivileged ids of the tests: the client (and, for setcap, the
// group allowed to run the copy), the owner of the processes the client
// may signal, and a user outside the group.
const (
	deployClientUID = 3999001
	deployTargetUID = 3999002
	deployOtherUID  = 3999003
)

// deployUser is the account TestPrivilegedDeploySudo makes for sudo, and
// the comment that marks it as the test's.
const (
	deployUser        = "sigrpc-test-client"
	deployUserComment = "sigrpc test client (cmd/sigrpc/deploy_test.go; removed after the test)"
)

// deployDir makes a root-owned directory that everyone may enter but
// only root may write, as the helper's directory must be: a client that
// could write it could replace the helper. It is removed when the test
// ends.
func deployDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sigrpc-deploy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// installHelper copies the plain build to path, owned by root and group
// gid, with mode.
func installHelper(t *testing.T, path string, gid int, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(plainBinPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 0, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// deployRun runs a command to set a scene, failing the test if it fails.
func deployRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	stdout, stderr, code := spawn.Run(t, spawn.Options{}, "", name, args...)
	if code != 0 {
		t.Fatalf("%s %q: exit %d, %s%s", name, args, code, stdout, stderr)
	}
	return stdout
}

// asUID is setpriv's arguments to run what follows as uid, with primary
// group gid and no other.
func asUID(uid, gid int) []string {
	return []string{fmt.Sprintf("--reuid=%d", uid), fmt.Sprintf("--regid=%d", gid), "--clear-groups", "--"}
}

// sleepAs starts a sleep as uid through setpriv, as the recipes' clients'
// processes are, and returns once it is asleep. It is killed when the
// test ends.
func sleepAs(t *testing.T, uid int) *spawn.Proc {
	t.Helper()
	p := spawn.Start(t, spawn.Options{Kill: true}, "setpriv", append(asUID(uid, uid), "sleep", "1000")...)
	spawn.WaitFor(t, "setpriv to exec sleep", func() bool {
		return proctest.Comm(p.Pid) == "sleep" && proctest.State(p.Pid) == "S"
	})
	if got := strings.Fields(proctest.StatusLine(p.Pid, "Uid")); len(got) == 0 || got[0] != strconv.Itoa(uid) {
		t.Fatalf("the sleep runs as uid %v, want %d", got, uid)
	}
	return p
}

// deployKill sends kill(pid, sig) and returns the answer.
func deployKill(t *testing.T, h *spawn.Proc, pid int, sig string) string {
	t.Helper()
	return h.Call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,%q]}`, pid, sig))
}

const (
	deploySent    = `{"jsonrpc":"2.0","id":1,"result":true}`
	deployRefused = `{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"refused by policy: uid","data":{"reason":"uid"}}}`
	deployEPERM   = `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"Operation not permitted","data":{"errno":"EPERM","errnum":1}}}`
)

// checkDeployAudit checks the audit log at path: the TERM sent to the
// target's sleep and the TERM refused to root's, in that order, each
// describing its target, and naming clientPID.
func checkDeployAudit(t *testing.T, path string, target, rootOwned *spawn.Proc, clientPID int) {
	t.Helper()
	lines := readAudit(t, path)
	want := []string{
		fmt.Sprintf("kill %d TERM sent", target.Pid),
		fmt.Sprintf("kill %d TERM refused uid", rootOwned.Pid),
	}
	if len(lines) != len(want) {
		t.Fatalf("the audit log holds %d lines, want %q", len(lines), want)
	}
	for i, e := range lines {
		uid := []int{deployTargetUID, 0}[i]
		if e.short() != want[i] || e.UID == nil || *e.UID != uid || e.Comm != "sleep" || e.ClientPID != clientPID {
			t.Errorf("audit line %d: %s, uid %v, comm %q, client_pid %d; want %s, uid %d, sleep, client_pid %d",
				i, e.short(), e.UID, e.Comm, e.ClientPID, want[i], uid, clientPID)
		}
	}
}

// TestPrivilegedDeploySetcap runs the setcap recipe: a copy of the
// helper with cap_kill+ep, mode 0750 with group the client's, run by the
// client's uid. Its only capability is CAP_KILL; with --allow-uid (and
// --descendants-of the client, which works there) it signals the allowed uid's sleep, refuses root's (reason uid), and logs
// both; the same copy without the capability gets EPERM; a uid outside
// the group cannot run it; and, what the recipe cannot prevent, the
// client chooses the flags: without --allow-uid the copy signals root's
// processes too.
func TestPrivilegedDeploySetcap(t *testing.T) {
	needRootAnd(t, "setcap", "getcap", "setpriv")
	dir := deployDir(t)
	capped, plain := filepath.Join(dir, "sigrpc"), filepath.Join(dir, "sigrpc-nocap")
	installHelper(t, capped, deployClientUID, 0o750)
	installHelper(t, plain, deployClientUID, 0o750)
	deployRun(t, "setcap", "cap_kill+ep", capped)
	if got := deployRun(t, "getcap", capped); !strings.Contains(got, "cap_kill=ep") {
		t.Fatalf("getcap: %q", got)
	}
	// The helper runs as the client, so the log is the client's to write.
	logDir := filepath.Join(dir, "log")
	if err := os.Mkdir(logDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(logDir, deployClientUID, deployClientUID); err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(logDir, "audit.log")
	asClient := asUID(deployClientUID, deployClientUID)
	// setpriv execs the copy, so its parent, the client, is the test.
	flags := []string{"--allow-uid", strconv.Itoa(deployTargetUID), "--descendants-of", strconv.Itoa(os.Getpid()), "--audit", auditPath}

	target, rootOwned := sleepAs(t, deployTargetUID), spawn.Sleep(t, false)
	h := spawn.Start(t, spawn.Options{}, "setpriv", append(append(asClient, capped), flags...)...)
	if got := h.Call(t, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["KILL"]}`); got != `{"jsonrpc":"2.0","id":1,"result":9}` {
		t.Fatalf("signum: %s; stderr %q", got, h.Stderr)
	}
	// CAP_KILL (bit 5) and nothing else, as the client's uid.
	for key, want := range map[string]string{"CapEff": "0000000000000020", "CapPrm": "0000000000000020", "CapInh": "0000000000000000", "CapAmb": "0000000000000000"} {
		if got := proctest.StatusLine(h.Pid, key); got != want {
			t.Errorf("the helper's %s is %s, want %s", key, got, want)
		}
	}
	if got := strings.Fields(proctest.StatusLine(h.Pid, "Uid")); len(got) != 4 || got[0] != strconv.Itoa(deployClientUID) || got[1] != got[0] {
		t.Errorf("the helper's uids are %v, want %d", got, deployClientUID)
	}
	checkNarrowed(t, h, target, rootOwned, auditPath, os.Getpid()) // setpriv exec'd: the test is the parent

	t.Run("without the capability, EPERM", func(t *testing.T) {
		target := sleepAs(t, deployTargetUID)
		h := spawn.Start(t, spawn.Options{}, "setpriv", append(append(asClient, plain), "--allow-uid", strconv.Itoa(deployTargetUID))...)
		if got := deployKill(t, h, target.Pid, "TERM"); got != deployEPERM {
			t.Errorf("kill(the allowed uid's sleep) without CAP_KILL = %s", got)
		}
		target.AssertUntouched(t)
	})
	t.Run("a uid outside the group cannot run it", func(t *testing.T) {
		// Through a shell: setpriv itself still holds root's capabilities
		// when it calls execve, so its own exec would be let through.
		_, stderr, code := spawn.Run(t, spawn.Options{}, "", "setpriv", append(asUID(deployOtherUID, deployOtherUID), "sh", "-c", `exec "$0" --version`, capped)...)
		if code == 0 || !strings.Contains(stderr, "Permission denied") {
			t.Errorf("exit %d, stderr %q; want the exec refused", code, stderr)
		}
	})
	t.Run("the client chooses the flags", func(t *testing.T) {
		rootOwned := spawn.Sleep(t, false)
		h := spawn.Start(t, spawn.Options{}, "setpriv", append(asClient, capped)...)
		if got := deployKill(t, h, rootOwned.Pid, "TERM"); got != deploySent {
			t.Errorf("kill(root's sleep) through the copy without --allow-uid = %s", got)
		}
		if sig := rootOwned.TerminatedBy(t); sig != syscall.SIGTERM {
			t.Errorf("root's sleep ended by %v", sig)
		}
	})
}

// ensureDeployUser makes the user deployUser for sudo, unless a user of
// that name made by an earlier run of this test is there, and removes it
// when the test ends. It returns its uid and gid. A user of that name
// that this test did not make is not touched: the test fails.
func ensureDeployUser(t *testing.T) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup(deployUser)
	if err != nil {
		deployRun(t, "useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--comment", deployUserComment, deployUser)
		if u, err = user.Lookup(deployUser); err != nil {
			t.Fatalf("useradd made no %s: %v", deployUser, err)
		}
	} else if u.Name != deployUserComment {
		t.Fatalf("a user %s exists that this test did not make (comment %q); it is left alone", deployUser, u.Name)
	}
	t.Cleanup(func() {
		if _, stderr, code := spawn.Run(t, spawn.Options{}, "", "userdel", deployUser); code != 0 {
			t.Errorf("userdel %s: %s", deployUser, stderr)
		}
	})
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

// installSudoers checks line with visudo and installs it as a file of
// /etc/sudoers.d, removed when the test ends.
func installSudoers(t *testing.T, dir, line string) {
	t.Helper()
	draft := filepath.Join(dir, "sudoers")
	if err := os.WriteFile(draft, []byte(line+"\n"), 0o440); err != nil {
		t.Fatal(err)
	}
	deployRun(t, "visudo", "-cf", draft)
	path := fmt.Sprintf("/etc/sudoers.d/sigrpc-test-%d", os.Getpid()) // no dot: sudo skips names with one
	t.Cleanup(func() { os.Remove(path) })
	if err := os.WriteFile(path, []byte(line+"\n"), 0o440); err != nil {
		t.Fatal(err)
	}
}

// TestPrivilegedDeploySudo runs the sudo recipe: a sudoers line that lets
// the client's user run exactly the root-owned helper with fixed flags
// (--allow-uid of the second uid, --audit of a root-only file). Through
// sudo the helper signals the allowed uid's sleep, refuses root's (reason
// uid), and logs both, naming sudo, its parent, as the client. The
// client cannot change the flags (sudo refuses any other command line),
// gains nothing by running the helper itself (EPERM), and can neither
// read nor write the log.
func TestPrivilegedDeploySudo(t *testing.T) {
	needRootAnd(t, "sudo", "visudo", "useradd", "userdel", "setpriv")
	uid, gid := ensureDeployUser(t)
	dir := deployDir(t)
	helper := filepath.Join(dir, "sigrpc")
	installHelper(t, helper, 0, 0o755)
	logDir := filepath.Join(dir, "log")
	if err := os.Mkdir(logDir, 0o700); err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(logDir, "audit.log")
	flags := []string{"--allow-uid", strconv.Itoa(deployTargetUID), "--audit", auditPath}
	installSudoers(t, dir, fmt.Sprintf("%s ALL=(root) NOPASSWD: %s %s", deployUser, helper, strings.Join(flags, " ")))
	asClient := []string{fmt.Sprintf("--reuid=%d", uid), fmt.Sprintf("--regid=%d", gid), "--init-groups", "--"}
	sudo := func(args ...string) []string { return append(append(asClient, "sudo", "-n", helper), args...) }

	target, rootOwned := sleepAs(t, deployTargetUID), spawn.Sleep(t, false)
	h := spawn.Start(t, spawn.Options{}, "setpriv", sudo(flags...)...)
	if got := h.Call(t, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["KILL"]}`); got != `{"jsonrpc":"2.0","id":1,"result":9}` {
		t.Fatalf("signum through sudo: %s; stderr %q", got, h.Stderr)
	}
	checkNarrowed(t, h, target, rootOwned, auditPath, h.Pid) // setpriv exec'd sudo, the helper's parent
	h.Stdin.Close()
	if code := h.Wait(t).ExitCode(); code != 0 {
		t.Errorf("sudo exited %d; stderr %q", code, h.Stderr)
	}

	t.Run("through the wrapper the clients run", func(t *testing.T) {
		// The clients add flags of their own (--framing, --spin), which
		// the sudoers line would refuse: a root-owned wrapper drops them.
		wrapper := filepath.Join(dir, "sigrpc-sudo")
		script := fmt.Sprintf("#!/bin/sh\nexec sudo -n %s %s\n", helper, strings.Join(flags, " "))
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		target := sleepAs(t, deployTargetUID)
		h := spawn.Start(t, spawn.Options{}, "setpriv", append(asClient, wrapper, "--framing", "ndjson", "--spin=50000ns")...)
		if got := deployKill(t, h, target.Pid, "TERM"); got != deploySent {
			t.Errorf("kill(the allowed uid's sleep) through the wrapper = %s; stderr %q", got, h.Stderr)
		}
		if sig := target.TerminatedBy(t); sig != syscall.SIGTERM {
			t.Errorf("the allowed uid's sleep ended by %v", sig)
		}
	})
	t.Run("the flags are fixed", func(t *testing.T) {
		before := len(readAudit(t, auditPath))
		for _, args := range [][]string{
			{"--allow-uid", "0", "--audit", auditPath},
			{"--allow-uid", strconv.Itoa(deployTargetUID)},
			append(slices.Clone(flags), "--allow-init"),
			{"--allow-uid", strconv.Itoa(deployTargetUID), "--audit", "/etc/passwd"},
		} {
			stdout, stderr, code := spawn.Run(t, spawn.Options{}, "", "setpriv", sudo(args...)...)
			if code == 0 || stdout != "" || !strings.Contains(stderr, "a password is required") {
				t.Errorf("sudo %s %q: exit %d, stdout %q, stderr %q; want it refused", helper, args, code, stdout, stderr)
			}
		}
		if after := len(readAudit(t, auditPath)); after != before {
			t.Errorf("the audit log holds %d lines after the refused runs, %d before", after, before)
		}
	})
	t.Run("run without sudo, EPERM", func(t *testing.T) {
		target := sleepAs(t, deployTargetUID)
		h := spawn.Start(t, spawn.Options{}, "setpriv", append(asClient, helper, "--allow-uid", strconv.Itoa(deployTargetUID))...)
		if got := deployKill(t, h, target.Pid, "TERM"); got != deployEPERM {
			t.Errorf("kill(the allowed uid's sleep), the helper run by the client itself = %s", got)
		}
		target.AssertUntouched(t)
	})
	t.Run("the client cannot touch the log", func(t *testing.T) {
		before, _ := os.ReadFile(auditPath)
		for _, script := range []string{`cat "$0"`, `: >> "$0"`, `: > "$0"`} {
			if _, _, code := spawn.Run(t, spawn.Options{}, "", "setpriv", append(asClient, "sh", "-c", script, auditPath)...); code == 0 {
				t.Errorf("as the client, %s succeeded", script)
			}
		}
		if after, _ := os.ReadFile(auditPath); string(after) != string(before) {
			t.Errorf("the audit log changed")
		}
	})
}

// checkNarrowed has helper h, narrowed to the target uid, TERM target
// (sent: it ends by TERM) and rootOwned (refused: untouched), and checks
// that the audit log at auditPath says so, with clientPID as the client.
func checkNarrowed(t *testing.T, h *spawn.Proc, target, rootOwned *spawn.Proc, auditPath string, clientPID int) {
	t.Helper()
	if got := deployKill(t, h, target.Pid, "TERM"); got != deploySent {
		t.Errorf("kill(the allowed uid's sleep) = %s", got)
	}
	if got := deployKill(t, h, rootOwned.Pid, "TERM"); got != deployRefused {
		t.Errorf("kill(root's sleep) = %s", got)
	}
	if sig := target.TerminatedBy(t); sig != syscall.SIGTERM {
		t.Errorf("the allowed uid's sleep ended by %v", sig)
	}
	rootOwned.AssertUntouched(t)
	checkDeployAudit(t, auditPath, target, rootOwned, clientPID)
}
