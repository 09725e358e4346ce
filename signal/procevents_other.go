//go:build !linux

package signal

import (
	"errors"
	"fmt"
)

// procEventKind is what a procEvent reports.
type procEventKind int

const (
	procFork procEventKind = iota + 1 // Parent forked Child
	procExit                          // PID exited
)

// procEvent is one process event; see the Linux version.
type procEvent struct {
	Kind   procEventKind // procFork or procExit
	Parent int           // procFork: the forking process
	Child  int           // procFork: the new process
	PID    int           // procExit: the process
}

// procEvents is a subscription to the kernel's process events, which only
// Linux has.
type procEvents struct{}

// subscribeProcEvents returns an error wrapping errors.ErrUnsupported.
func subscribeProcEvents() (*procEvents, error) {
	return nil, fmt.Errorf("process events: %w", errors.ErrUnsupported)
}

// drain returns an error wrapping errors.ErrUnsupported.
func (e *procEvents) drain(fn func(procEvent)) (lost bool, err error) {
	return false, fmt.Errorf("process events: %w", errors.ErrUnsupported)
}

// Close does nothing.
func (e *procEvents) Close() error { return nil }
