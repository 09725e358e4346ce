package signal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// openProcess opens a pidfd on pid, or, if usePidfd is false or the
// kernel has no pidfd_open (before 5.3), checks with kill(pid, 0) and
// keeps the bare pid.
func openProcess(pid int, usePidfd bool) (*Process, error) {
	if pid <= 0 {
		return nil, &OSError{Errno: unix.EINVAL}
	}
	if usePidfd {
		fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
		if err == nil {
			return &Process{pid: pid, fd: fd}, nil
		}
		if !errors.Is(err, unix.ENOSYS) {
			return nil, AsOSError(err)
		}
	}
	if err := unix.Kill(pid, 0); err != nil && !errors.Is(err, unix.EPERM) {
		return nil, AsOSError(err)
	}
	return &Process{pid: pid, fd: -1}, nil
}

// Close releases the handle.
func (p *Process) Close() error {
	if p.fd < 0 {
		return nil
	}
	fd := p.fd
	p.fd = -1
	return unix.Close(fd)
}

// Signal sends sig to the process: through the pidfd when there is one,
// so a process that has since been replaced by another with the same pid
// yields ESRCH instead of a signal to the wrong process.
func (p *Process) Signal(sig Number) error {
	if p.fd >= 0 {
		return AsOSError(unix.PidfdSendSignal(p.fd, syscall.Signal(sig), nil, 0))
	}
	return AsOSError(unix.Kill(p.pid, syscall.Signal(sig)))
}

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

// Exited reports, without waiting, whether the process has terminated.
func (p *Process) Exited() bool {
	if p.fd < 0 {
		return gone(p.pid)
	}
	fds := []unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0
}

// wait blocks until the process has terminated or ctx is done.
func (p *Process) wait(ctx context.Context) error {
	if p.fd < 0 {
		return waitGonePolling(ctx, p.pid)
	}
	return pollPidfd(ctx, p.fd, p.pid)
}

// readInfo parses /proc/<pid>/stat and the real uid from /proc/<pid>/status.
func readInfo(pid int) (Info, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Info{}, &OSError{Errno: unix.ESRCH}
	}
	info, err := parseStat(stat)
	if err != nil {
		return Info{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Info{}, &OSError{Errno: unix.ESRCH}
	}
	if info.UID, err = parseUID(status); err != nil {
		return Info{}, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	return info, nil
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
	for _, line := range strings.Split(string(status), "\n") {
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
