package sigctl

import (
	"bytes"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// forkSyscalls are the system calls in which a task waits, in state D,
// for a child it vforked to exec or exit.
var forkSyscalls = append([]int{unix.SYS_CLONE, unix.SYS_CLONE3}, vforkSyscall...)

// inVforkWait reports whether task tid of process pid, whose stat is
// stat, sleeps uninterruptibly inside a fork system call: it waits for a
// child it vforked, which exists already (its fork was reported), and it
// can fork nothing more until that child execs or exits. A STOP reaches
// it only then; until then it is as good as halted. /proc/<pid>/task/
// <tid>/syscall needs the right to trace the task, which root has.
func inVforkWait(pid int, tid string, stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) || stat[i+2] != 'D' {
		return false
	}
	b, err := readProc(pid, "task/"+tid+"/syscall")
	if err != nil {
		return false
	}
	nr, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte(" "))
	n, err := strconv.Atoi(string(nr))
	return err == nil && slices.Contains(forkSyscalls, n)
}
