package sigctl

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Info reads the process's details from /proc. With a pidfd it then
// checks that the process is still the one the pidfd holds, so the
// details never describe a process that reused the pid.
func (p *Process) Info() (Info, error) {
	info, err := readInfo(p.pid)
	if err != nil {
		return Info{}, err
	}
	if err := p.Signal(None); err != nil && !errors.Is(err, unix.EPERM) {
		return Info{}, err
	}
	return info, nil
}

// readInfo parses /proc/<pid>/stat and the real uid from
// /proc/<pid>/status. A process that is gone is an *OSError with ESRCH.
func readInfo(pid int) (Info, error) {
	stat, err := readProc(pid, "stat")
	if err != nil {
		return Info{}, err
	}
	info, err := parseStat(stat)
	if err != nil {
		return Info{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	status, err := readProc(pid, "status")
	if err != nil {
		return Info{}, err
	}
	if info.UID, err = parseUID(status); err != nil {
		return Info{}, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	return info, nil
}

// readProc reads /proc/<pid>/<name>; a missing file means the process is
// gone (ESRCH). A /proc that belongs to another pid namespace than this
// process's is refused (errForeignProc): there /proc/<pid> describes the
// process that namespace calls pid, not the one a pidfd for pid holds.
func readProc(pid int, name string) ([]byte, error) {
	if !procIsOurs() {
		return nil, errForeignProc
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/" + name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
		return nil, &OSError{Errno: unix.ESRCH}
	}
	return b, err
}

// parseStat parses a /proc/<pid>/stat line. The command name sits between
// the first "(" and the last ")", and may itself hold both.
func parseStat(stat []byte) (Info, error) {
	open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return Info{}, errors.New("no command name")
	}
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 20 {
		return Info{}, errors.New("too few fields")
	}
	var info Info
	var err error
	ints := []struct {
		dst *int
		s   string
	}{{&info.PID, strings.TrimSpace(string(stat[:open]))}, {&info.PPID, fields[1]}, {&info.PGID, fields[2]}, {&info.SID, fields[3]}}
	for _, f := range ints {
		if *f.dst, err = strconv.Atoi(f.s); err != nil {
			return Info{}, fmt.Errorf("bad field %q", f.s)
		}
	}
	info.Comm = string(stat[open+1 : end])
	info.State = fields[0]
	info.StartTime = fields[19] // field 22 counts from 1, with pid and comm before state
	return info, nil
}

// parseUID returns the real uid from /proc/<pid>/status.
func parseUID(status []byte) (int, error) {
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.Atoi(f[0])
		}
	}
	return 0, errors.New("no Uid line")
}

// parentPID returns the parent pid of the process p holds: read from
// /proc/<pid>/stat, then checked through p, so that it never describes a
// process that reused the pid.
func (p *Process) parentPID() (int, error) {
	info, err := p.statInfo()
	return info.PPID, err
}

// statInfo is Info without the uid: /proc/<pid>/stat alone, read and then
// checked through p like Info.
func (p *Process) statInfo() (Info, error) {
	stat, err := readProc(p.pid, "stat")
	if err != nil {
		return Info{}, err
	}
	info, err := parseStat(stat)
	if err != nil {
		return Info{}, fmt.Errorf("/proc/%d/stat: %w", p.pid, err)
	}
	if err := p.Signal(None); err != nil && !errors.Is(err, unix.EPERM) {
		return Info{}, err
	}
	return info, nil
}

// errForeignProc is readProc's answer when /proc is another pid
// namespace's, as when sigrpc was entered into a pid namespace (nsenter
// -p) without its mount namespace: the details there cannot be matched to
// a process, so the checks that need them fail closed.
var errForeignProc error = foreignProcError{}

// foreignProcError is errForeignProc's type: an error made with fmt.Errorf
// would cost every start of the helper fmt's first use.
type foreignProcError struct{}

func (foreignProcError) Error() string {
	return "/proc belongs to another pid namespace: " + errors.ErrUnsupported.Error()
}

func (foreignProcError) Unwrap() error { return errors.ErrUnsupported }

// procIsOurs reports whether /proc shows this process under the pid it
// has in its own pid namespace, that is, whether /proc numbers processes
// as this process does. It is checked once: /proc is mounted before the
// helper starts.
var procIsOurs = sync.OnceValue(func() bool {
	self, err := os.Readlink("/proc/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
})
