package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Process is one process, pinned by its pid and its start time as
// Client.Process found them. Every signal it sends carries the start
// time, and the helper checks it through the process handle it sends
// through, so once the process has gone and its pid names another
// process, nothing is sent and the method fails with an error matching
// os.ErrProcessDone (and syscall.ESRCH). Only a process that started
// within the same clock tick (10 ms) under the same pid is not told apart.
type Process struct {
	c         *Client
	pid       int
	startTime string
}

// Process returns a handle on the process pid names now. It fails with
// syscall.ESRCH if there is no such process.
func (c *Client) Process(ctx context.Context, pid int) (*Process, error) {
	info, err := c.Inspect(ctx, pid)
	if err != nil {
		return nil, err
	}
	return &Process{c: c, pid: pid, startTime: info.StartTime}, nil
}

// Pid returns the process id.
func (p *Process) Pid() int { return p.pid }

// StartTime returns the start time captured with the pid: clock ticks
// since boot, in decimal.
func (p *Process) StartTime() string { return p.startTime }

// Signal sends sig (a syscall.Signal) to the process, and only to it.
func (p *Process) Signal(ctx context.Context, sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return fmt.Errorf("sigrpc kill: unsupported signal type %T", sig)
	}
	return processError(p.c.kill(ctx, killParams{Pid: p.pid, Signal: int(s), StartTime: &p.startTime}))
}

// Kill sends SIGKILL to the process, and only to it.
func (p *Process) Kill(ctx context.Context) error {
	return p.Signal(ctx, syscall.SIGKILL)
}

// Wait reports whether the process has terminated (a zombie counts) or
// gone within timeout, as Client.Wait does, checking before each request
// that the pid still names this process.
func (p *Process) Wait(ctx context.Context, timeout time.Duration) (bool, error) {
	return p.c.wait(ctx, p.pid, timeout, p.gone)
}

// gone reports whether the process has terminated: its pid names no
// process, another one, or a zombie.
func (p *Process) gone(ctx context.Context) (bool, error) {
	info, err := p.c.Inspect(ctx, p.pid)
	if errors.Is(err, syscall.ESRCH) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	switch info.State {
	case "Z", "X", "x":
		return true, nil
	}
	return info.StartTime != p.startTime, nil
}

// Terminate is Client.Terminate for this process only: the helper acts
// only if the pid still names it.
func (p *Process) Terminate(ctx context.Context, opts TerminateOptions) (Termination, error) {
	t, err := call[Termination](ctx, p.c, "terminate", opts.params(p.pid, &p.startTime))
	return t, processError(err)
}
