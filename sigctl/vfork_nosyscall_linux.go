//go:build linux && !(386 || amd64 || arm || ppc64 || ppc64le || s390x)

package sigctl

// vforkSyscall is empty: this architecture has no vfork(2); its C
// library vforks with clone.
var vforkSyscall []int
