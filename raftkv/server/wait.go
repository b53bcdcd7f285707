package server

import (
	"sync"

	"github.com/tickraft/raft/raftkv/kv"
	"github.com/tickraft/raft/raftpb"
)

// outcome is what a waiting request is told: a state machine result, the
// configuration after a conf change, or a failure.
type outcome struct {
	result kv.Result
	cs     *raftpb.ConfState
	err    error
}

// waiter is one request waiting for its outcome. term is set (under
// waiters.mu) once raft took the proposal, to the term it was proposed
// in: from then on a failure of the member cannot rule out that it
// commits, until an entry of a later term is applied (see failBefore).
type waiter struct {
	ch   chan outcome // buffered 1
	term uint64       // 0 until proposed
}

// waiters tracks requests by request id. The apply goroutine and the loop
// deliver outcomes; the client removes its waiter when it gives up.
type waiters struct {
	mu     sync.Mutex
	m      map[uint64]*waiter
	closed bool // after failAll: nothing will ever deliver again
}

func newWaiters() *waiters { return &waiters{m: make(map[uint64]*waiter)} }

// register returns nil once the member has stopped.
func (w *waiters) register(id uint64) *waiter {
	wt := &waiter{ch: make(chan outcome, 1)}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.m[id] = wt
	return wt
}

// deliver hands o to the waiter of id, if it still waits, and forgets it.
func (w *waiters) deliver(id uint64, o outcome) {
	w.mu.Lock()
	wt := w.m[id]
	delete(w.m, id)
	w.mu.Unlock()
	if wt != nil {
		wt.ch <- o
	}
}

// markProposed records that raft took request id's proposal in term.
func (w *waiters) markProposed(id, term uint64) {
	w.mu.Lock()
	if wt := w.m[id]; wt != nil {
		wt.term = term
	}
	w.mu.Unlock()
}

// failBefore ends, with err, every request proposed in a term below term.
func (w *waiters) failBefore(term uint64, err error) {
	w.mu.Lock()
	var failed []*waiter
	for id, wt := range w.m {
		if wt.term != 0 && wt.term < term {
			failed = append(failed, wt)
			delete(w.m, id)
		}
	}
	w.mu.Unlock()
	for _, wt := range failed {
		wt.ch <- outcome{err: err}
	}
}

func (w *waiters) forget(id uint64) {
	w.mu.Lock()
	delete(w.m, id)
	w.mu.Unlock()
}

// failAll ends every waiter at shutdown: ErrStopped if raft never took the
// request, errStoppedUnknown if it did (it may still commit elsewhere).
func (w *waiters) failAll() {
	w.mu.Lock()
	m := w.m
	w.m = make(map[uint64]*waiter)
	w.closed = true
	w.mu.Unlock()
	for _, wt := range m {
		if wt.term != 0 {
			wt.ch <- outcome{err: errStoppedUnknown}
		} else {
			wt.ch <- outcome{err: ErrStopped}
		}
	}
}

func (w *waiters) waiting(id uint64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.m[id] != nil
}
