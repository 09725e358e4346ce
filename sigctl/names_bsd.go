//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package sigctl

// parseRealTime knows no names: the seed's real-time names are Linux's.
func parseRealTime([]byte) (Signum, bool) { return 0, false }

// realTimeName knows no names: the seed's real-time names are Linux's.
func realTimeName(Signum) (string, bool) { return "", false }
