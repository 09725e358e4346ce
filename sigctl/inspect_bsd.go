//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package sigctl

import (
	"errors"
	"fmt"
)

// Info is unsupported here: it returns an error wrapping
// errors.ErrUnsupported.
func (p *Process) Info() (Info, error) {
	return Info{}, fmt.Errorf("inspect: reading process details: %w", errors.ErrUnsupported)
}

// parentPID is unsupported here: it returns an error wrapping
// errors.ErrUnsupported.
func (p *Process) parentPID() (int, error) {
	return 0, fmt.Errorf("reading a parent pid: %w", errors.ErrUnsupported)
}

// statInfo is unsupported here: it returns an error wrapping
// errors.ErrUnsupported.
func (p *Process) statInfo() (Info, error) {
	return Info{}, fmt.Errorf("reading a process's status: %w", errors.ErrUnsupported)
}
