//go:build linux && (386 || amd64 || arm || ppc64 || ppc64le || s390x)

package sigctl

import "golang.org/x/sys/unix"

// vforkSyscall is vfork(2), on the architectures that have it.
var vforkSyscall = []int{unix.SYS_VFORK}
