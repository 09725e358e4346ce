//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package signal

// parseRealTime knows no names: the seed's real-time names are Linux's.
func parseRealTime([]byte) (Number, bool) { return 0, false }

// realTimeName knows no names: the seed's real-time names are Linux's.
func realTimeName(Number) (string, bool) { return "", false }
