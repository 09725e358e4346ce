//go:build !linux

package signal

// parseRealTime knows no real-time names outside Linux.
func parseRealTime([]byte) (Number, bool) { return 0, false }

// realTimeName knows no real-time names outside Linux.
func realTimeName(Number) (string, bool) { return "", false }
