package sigctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// waitGone waits on a pidfd, which polls readable once the process has
// terminated, whoever its parent is. Without pidfds (ENOSYS) it polls.
func waitGone(ctx context.Context, pid int) error {
	p, err := Open(pid)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("wait for pid %d: %w", pid, err)
	}
	defer p.Close()
	return p.wait(ctx, time.Time{})
}

// isZombie reports whether /proc says pid is a zombie.
func isZombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may
	// itself contain spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}
