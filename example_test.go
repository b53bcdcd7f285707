package raft_test

import (
	"fmt"
	"io"
	"log"

	"github.com/tickraft/raft"
	pb "github.com/tickraft/raft/raftpb"
)

// newSingleNode returns a bootstrapped one-voter node over storage.
func newSingleNode(storage *raft.MemoryStorage, async bool) *raft.RawNode {
	rn, err := raft.NewRawNode(&raft.Config{
		ID: 1, ElectionTick: 10, HeartbeatTick: 1, Storage: storage,
		MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, AsyncStorageWrites: async,
		Logger: &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)},
	})
	if err != nil {
		panic(err)
	}
	if err := rn.Bootstrap([]raft.Peer{{ID: 1}}); err != nil {
		panic(err)
	}
	return rn
}

// apply applies committed entries the way an application does.
func apply(rn *raft.RawNode, ents []pb.Entry) {
	for _, e := range ents {
		switch e.Type {
		case pb.EntryConfChange:
			var cc pb.ConfChange
			if err := cc.Unmarshal(e.Data); err != nil {
				panic(err)
			}
			rn.ApplyConfChange(cc)
		case pb.EntryNormal:
			if len(e.Data) > 0 {
				fmt.Printf("applied %q at index %d\n", e.Data, e.Index)
			}
		}
	}
}

// The synchronous loop: persist, send, apply, then Advance.
func Example_rawNodeSynchronous() {
	storage := raft.NewMemoryStorage()
	rn := newSingleNode(storage, false)
	proposed := false
	for i := 0; i < 10; i++ {
		if rn.BasicStatus().RaftState == raft.StateLeader && !proposed {
			if err := rn.Propose([]byte("hello")); err != nil {
				panic(err)
			}
			proposed = true
		}
		if !rn.HasReady() {
			rn.Campaign() // a single voter elects itself
			continue
		}
		rd := rn.Ready()
		// 1. Persist: hard state, snapshot, entries.
		if !raft.IsEmptyHardState(rd.HardState) {
			storage.SetHardState(rd.HardState)
		}
		storage.Append(rd.Entries)
		// 2. Send rd.Messages to peers (there are none here).
		// 3. Apply.
		apply(rn, rd.CommittedEntries)
		// 4. Acknowledge: the writes are durable, the entries applied.
		rn.Advance(rd)
	}
	st := rn.BasicStatus()
	fmt.Printf("%s term=%d commit=%d applied=%d\n", st.RaftState, st.Term, st.Commit, st.Applied)
	// Output:
	// applied "hello" at index 3
	// StateLeader term=2 commit=3 applied=3
}

// With AsyncStorageWrites, Ready carries the work as messages to storage
// threads, which answer by stepping the messages' responses once done.
func Example_rawNodeAsyncStorageWrites() {
	storage := raft.NewMemoryStorage()
	rn := newSingleNode(storage, true)
	var appendQ, applyQ []pb.Message
	proposed := false
	for i := 0; i < 10; i++ {
		if rn.BasicStatus().RaftState == raft.StateLeader && !proposed {
			if err := rn.Propose([]byte("hello")); err != nil {
				panic(err)
			}
			proposed = true
		}
		if rn.HasReady() {
			for _, m := range rn.Ready().Messages {
				switch m.To {
				case raft.LocalAppendThread:
					appendQ = append(appendQ, m)
				case raft.LocalApplyThread:
					applyQ = append(applyQ, m)
				default:
					// send m to a peer
				}
			}
		} else if len(appendQ) == 0 && len(applyQ) == 0 {
			rn.Campaign()
		}
		// The append thread: write, then deliver the responses.
		for _, m := range appendQ {
			if m.Term != 0 || m.Vote != 0 || m.Commit != 0 {
				storage.SetHardState(pb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit})
			}
			storage.Append(m.Entries)
			for _, resp := range m.Responses {
				if resp.To == 1 {
					rn.Step(resp)
				} // else send resp to the peer
			}
		}
		appendQ = nil
		// The apply thread: apply, then deliver the responses.
		for _, m := range applyQ {
			apply(rn, m.Entries)
			for _, resp := range m.Responses {
				rn.Step(resp)
			}
		}
		applyQ = nil
	}
	st := rn.BasicStatus()
	fmt.Printf("%s term=%d commit=%d applied=%d\n", st.RaftState, st.Term, st.Commit, st.Applied)
	// Output:
	// applied "hello" at index 3
	// StateLeader term=2 commit=3 applied=3
}
