package rafttest

import (
	"fmt"
	"strings"

	"github.com/anishathalye/porcupine"
)

// The simulator's state machine: a key-value store over a few keys with
// get, put and append. Writes go through the log as commands that carry
// the client's id and sequence number; the store remembers each client's
// last applied sequence and its result, so a retried command is applied
// once and answered with the first result. Reads go through ReadIndex and
// never enter the log.

// kvKeys is the key space: small, so that clients collide often.
var kvKeys = [...]string{"a", "b", "c"}

type kvOpKind uint8

const (
	kvGet kvOpKind = iota
	kvPut
	kvAppend
)

func (k kvOpKind) String() string { return [...]string{"get", "put", "append"}[k] }

// kvInput is an operation as a client invokes it.
type kvInput struct {
	op    kvOpKind
	key   string
	value string
}

// kvOutput is what the client heard back: the value read, or for a write
// the key's value before it. unknown marks a write with no answer by the
// end of the run, which may or may not have happened.
type kvOutput struct {
	value   string
	unknown bool
}

// kvCommand is a write as the log carries it. attempt makes each proposal's
// payload unique, which the simulator's proposal tracking relies on; the
// store ignores it.
type kvCommand struct {
	client, seq, attempt int
	in                   kvInput
}

func (c kvCommand) encode() []byte {
	return fmt.Appendf(nil, "kv %d %d %d %d %s %s", c.client, c.seq, c.attempt, c.in.op, c.in.key, c.in.value)
}

// decodeKVCommand parses a payload; ok is false for anything that is not a
// command (anonymous proposals, empty entries).
func decodeKVCommand(data []byte) (c kvCommand, ok bool) {
	if !strings.HasPrefix(string(data), "kv ") {
		return c, false
	}
	var op uint8
	n, err := fmt.Sscanf(string(data), "kv %d %d %d %d %s %s", &c.client, &c.seq, &c.attempt, &op, &c.in.key, &c.in.value)
	if err != nil || n != 6 || op > uint8(kvAppend) {
		return kvCommand{}, false
	}
	c.in.op = kvOpKind(op)
	return c, true
}

type kvSession struct {
	seq    int
	result string
}

// kvStore is one node's state machine, as of index.
type kvStore struct {
	index    uint64
	data     map[string]string
	sessions map[int]kvSession
}

func newKVStore() *kvStore {
	return &kvStore{data: map[string]string{}, sessions: map[int]kvSession{}}
}

// apply runs a command and returns its result. A command the client's
// session has already applied is answered from the session (the same
// sequence) or ignored (an older one, whose client has moved on).
func (kv *kvStore) apply(c kvCommand) (result string, fresh bool) {
	if last, ok := kv.sessions[c.client]; ok && c.seq <= last.seq {
		return last.result, false
	}
	old := kv.data[c.in.key]
	switch c.in.op {
	case kvPut:
		kv.data[c.in.key] = c.in.value
	case kvAppend:
		kv.data[c.in.key] = old + c.in.value
	}
	kv.sessions[c.client] = kvSession{seq: c.seq, result: old}
	return old, true
}

// kvModel is the sequential specification porcupine checks histories
// against, partitioned by key: each partition's state is one value.
func kvModel() porcupine.Model {
	return porcupine.Model{
		Partition: partitionByKey,
		Init:      func() any { return "" },
		Step: func(state, input, output any) (bool, any) {
			st, in, out := state.(string), input.(kvInput), output.(kvOutput)
			switch in.op {
			case kvGet:
				return out.value == st, st
			case kvPut:
				return out.unknown || out.value == st, in.value
			default:
				return out.unknown || out.value == st, st + in.value
			}
		},
		DescribeOperation: func(input, output any) string {
			in, out := input.(kvInput), output.(kvOutput)
			res := fmt.Sprintf("%q", out.value)
			if out.unknown {
				res = "unknown"
			}
			if in.op == kvGet {
				return fmt.Sprintf("get(%s) -> %s", in.key, res)
			}
			return fmt.Sprintf("%s(%s, %q) -> was %s", in.op, in.key, in.value, res)
		},
		DescribeState: func(state any) string { return fmt.Sprintf("%q", state) },
	}
}

func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := map[string][]porcupine.Operation{}
	for _, op := range history {
		k := op.Input.(kvInput).key
		byKey[k] = append(byKey[k], op)
	}
	var out [][]porcupine.Operation
	for _, k := range kvKeys {
		if ops := byKey[k]; len(ops) > 0 {
			out = append(out, ops)
		}
	}
	return out
}
