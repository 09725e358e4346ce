//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package sigctl

import (
	"context"
	"errors"
	"fmt"
)

// childrenFiles reports false: there is no /proc here, and no listing of
// children.
func (osSystem) childrenFiles() bool { return false }

// children is unsupported here: it returns an error wrapping
// errors.ErrUnsupported.
func (k *Controller) children(int, bool) ([]Child, error) {
	return nil, fmt.Errorf("children: listing a process's children: %w", errors.ErrUnsupported)
}

// terminateTree is unsupported here: it returns an error wrapping
// errors.ErrUnsupported, and sends nothing.
func (k *Controller) terminateTree(_ context.Context, t Target, opts TerminateOptions) (Termination, error) {
	err := fmt.Errorf("terminate: a process tree: %w", errors.ErrUnsupported)
	k.audit(auditCall{terminate: true, tree: t.PID}, t.PID, Info{}, opts.Signal, err)
	return Termination{}, err
}
