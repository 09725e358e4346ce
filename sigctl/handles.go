package sigctl

import (
	"slices"
	"sync"
)

// handleCacheSize is how many process handles a Controller keeps open for
// reuse.
const handleCacheSize = 16

// handleCache keeps the handles (pidfds) of recently signalled processes
// open, so that signalling one of them again costs one system call instead
// of three (open, send, close). Reuse is sound because a process keeps its
// pid until it is reaped: while a handle's process lives, its pid names
// that process and no other, so the handle reaches exactly the process a
// fresh open would. Once the process is reaped, a send through the handle
// fails with ESRCH, and Controller.Kill then discards the handle and opens the
// pid afresh, since the pid may have been reused.
//
// A handle is taken out of the cache while it is in use, so goroutines
// never share one.
type handleCache struct {
	mu      sync.Mutex
	handles []*Process // least recently used first
	closed  bool
}

// take removes the cached handle on pid from the cache and returns it, or
// returns nil.
func (c *handleCache) take(pid int) *Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, p := range c.handles {
		if p.pid == pid {
			c.handles = slices.Delete(c.handles, i, i+1)
			return p
		}
	}
	return nil
}

// put caches p for reuse, closing the least recently used handle if the
// cache is full. A handle without a pidfd (a bare pid) is not cached, and
// one that duplicates a cached handle, or comes after close, is closed.
func (c *handleCache) put(p *Process) {
	if p.fd < 0 {
		return
	}
	c.mu.Lock()
	drop := p
	if !c.closed && !slices.ContainsFunc(c.handles, func(q *Process) bool { return q.pid == p.pid }) {
		drop = nil
		if len(c.handles) == handleCacheSize {
			drop = c.handles[0]
			c.handles = slices.Delete(c.handles, 0, 1)
		}
		if c.handles == nil {
			c.handles = make([]*Process, 0, handleCacheSize)
		}
		c.handles = append(c.handles, p)
	}
	c.mu.Unlock()
	if drop != nil {
		drop.Close()
	}
}

// close closes every cached handle; handles put after it are closed at
// once.
func (c *handleCache) close() {
	c.mu.Lock()
	handles := c.handles
	c.handles, c.closed = nil, true
	c.mu.Unlock()
	for _, p := range handles {
		p.Close()
	}
}

// len returns how many handles are cached.
func (c *handleCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.handles)
}
