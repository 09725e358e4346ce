package sigctl

import (
	"errors"
)

// This file adds the kernel's fork events to a tree call: every process
// a member forks becomes a member, wherever a double fork reparents it,
// so that the tree stop is complete, not only likely to be.

// treeEvents is what one tree call learns from fork events.
type treeEvents struct {
	ev      *procEvents
	log     *forkLog
	lost    bool      // the kernel dropped events, or the log filled up
	joined  []ident   // members the log has made that have no handle yet
	pending []*member // members the listing found, whose identity is not known yet
	byID    map[ident]*member
}

// subscribe starts following fork events for tr, whose root is its only
// member yet, unless the kernel gives none here (no CAP_NET_ADMIN, not
// the initial namespaces), which the Controller then remembers. It must
// come before the first listing: a fork from then on is in the events.
func (tr *tree) subscribe() {
	if tr.k.noForkEvents.Load() {
		return
	}
	ev, err := subscribeProcEvents()
	if err != nil {
		if errors.Is(err, errors.ErrUnsupported) {
			tr.k.noForkEvents.Store(true)
		}
		return
	}
	fe := &treeEvents{ev: ev, log: newForkLog(), byID: make(map[ident]*member)}
	root := tr.members[0]
	root.id = ident{root.p.pid, -1} // opened before the subscription
	fe.log.join(root.id)
	fe.byID[root.id] = root
	tr.fe = fe
}

// unsubscribe ends the subscription.
func (tr *tree) unsubscribe() {
	if tr.fe != nil {
		tr.fe.ev.Close()
	}
}

// listed tells the fork events of a member the listing found: its
// identity, and what it forked since the subscription, are settled at
// the next sync.
func (tr *tree) listed(m *member) {
	if tr.fe != nil {
		tr.fe.pending = append(tr.fe.pending, m)
	}
}

// sync reads the fork events queued now and makes a member, with a
// handle, of every process the log says joined the tree; it returns how
// many it added. It reads again after opening new handles, until a
// reading opens nothing, so that a handle opened on a pid that had been
// reused before the open is found out (by the new birth the reading
// shows) before anything is sent through it: such a handle is kept only
// if the process it holds is a member too.
func (tr *tree) sync() (added int, err error) {
	fe := tr.fe
	if fe == nil {
		return 0, nil
	}
	for {
		lost, err := fe.ev.drain(func(e procEvent) {
			switch e.Kind {
			case procFork:
				fe.joined = append(fe.joined, fe.log.fork(e.Parent, e.Child)...)
			case procExit:
				fe.joined = append(fe.joined, fe.log.exit(e.PID, e.Parent)...)
			}
		})
		fe.lost = fe.lost || lost || fe.log.full
		if err != nil {
			return added, err
		}
		for id, m := range fe.byID {
			if fe.log.current(id.pid) != id {
				tr.reborn(m)
			}
		}
		for _, m := range fe.pending {
			if m.gone {
				continue
			}
			m.id = fe.log.current(m.p.pid) // m is alive, so its birth is read
			fe.byID[m.id] = m
			if fe.log.narrowed {
				fe.log.admit(m.id)
				continue
			}
			fe.joined = append(fe.joined, fe.log.join(m.id)...)
		}
		fe.pending = fe.pending[:0]
		opened := 0
		for _, id := range fe.joined {
			n, err := tr.openJoined(id)
			if err != nil {
				return added, err
			}
			opened += n
		}
		fe.joined = fe.joined[:0]
		added += opened
		if opened == 0 {
			return added, nil
		}
	}
}

// followed reports whether fork events name every child the members
// have had since they were listed: the tree follows them, and none were
// lost.
func (tr *tree) followed() bool { return tr.fe != nil && !tr.fe.lost }

// openJoined opens the process id, which the log made a member, and
// makes it a member of tr: unless it has a handle already, is gone, has
// been born again since (its own forks are in the log), or is one a tree
// never includes. It returns 1 if it added a member.
func (tr *tree) openJoined(id ident) (int, error) {
	fe := tr.fe
	if fe.byID[id] != nil || fe.log.current(id.pid) != id || tr.exclude[id.pid] {
		return 0, nil
	}
	if limit := tr.k.hooks.memberLimit(); len(tr.members) >= limit {
		return 0, errTreeTooLarge(limit)
	}
	p, err := tr.k.openProcess(id.pid)
	if err != nil {
		return 0, nil // gone: what it forked is in the log
	}
	info, err := p.statInfo()
	if err != nil {
		p.Close()
		return 0, nil
	}
	if old := tr.byPID[id.pid]; old != nil && old.id != id && !old.gone {
		old.gone = true // it held the pid before: it has been reaped since
	}
	m := tr.add(p, info.StartTime)
	m.id = id
	fe.byID[id] = m
	return 1, nil
}

// reborn handles a member whose pid the log has seen born again: its
// handle holds either the process it was opened for, which has been
// reaped (nothing to do but count it gone), or, if it was opened after
// the new birth, the new process: a member under its new identity if the
// log says so, else no member at all, and never signalled.
func (tr *tree) reborn(m *member) {
	fe := tr.fe
	delete(fe.byID, m.id)
	if m.p.Exited() {
		m.gone = true
		return
	}
	now := fe.log.current(m.p.pid)
	if fe.log.isMember(now) && fe.byID[now] == nil {
		m.id = now
		fe.byID[now] = m
		return
	}
	m.gone, m.dropped = true, true
}

// complete reports whether the members tr found are every process forked
// in the tree during the call: fork events followed every fork, none was
// lost, and every stop pass ended with every member halted.
func (tr *tree) complete() bool {
	return tr.fe != nil && !tr.fe.lost && !tr.unsettled
}

// method says how tr found its members.
func (tr *tree) method() string {
	if tr.fe != nil {
		return MethodForkEvents
	}
	return MethodListing
}
