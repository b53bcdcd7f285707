package rafttest

import (
	"math"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// TestKVStoreSessions checks that the store applies each client's command
// once, answers a retry with the first result, and ignores a command older
// than the client's last.
func TestKVStoreSessions(t *testing.T) {
	kv := newKVStore()
	cmd := func(client, seq, attempt int, op kvOpKind, key, value string) kvCommand {
		return kvCommand{client: client, seq: seq, attempt: attempt, in: kvInput{op: op, key: key, value: value}}
	}
	for i, step := range []struct {
		c     kvCommand
		want  string
		fresh bool
	}{
		{cmd(0, 1, 1, kvPut, "a", "x"), "", true},
		{cmd(0, 1, 2, kvPut, "a", "x"), "", false}, // retry: the first answer
		{cmd(1, 1, 1, kvAppend, "a", "y"), "x", true},
		{cmd(1, 1, 3, kvAppend, "a", "y"), "x", false}, // a is still "xy", not "xyy"
		{cmd(0, 2, 1, kvAppend, "a", "z"), "xy", true},
		{cmd(0, 1, 3, kvPut, "a", "x"), "xy", false}, // older than seq 2: ignored
		{cmd(2, 1, 1, kvPut, "b", "w"), "", true},
	} {
		got, fresh := kv.apply(step.c)
		if got != step.want || fresh != step.fresh {
			t.Fatalf("command %d %+v: got (%q, %t), want (%q, %t)", i, step.c, got, fresh, step.want, step.fresh)
		}
	}
	if kv.data["a"] != "xyz" || kv.data["b"] != "w" {
		t.Fatalf("store holds %v, want a=xyz b=w", kv.data)
	}
}

func TestKVCommandEncoding(t *testing.T) {
	c := kvCommand{client: 7, seq: 12, attempt: 3, in: kvInput{op: kvAppend, key: "b", value: "7.12,"}}
	got, ok := decodeKVCommand(c.encode())
	if !ok || got != c {
		t.Fatalf("decode(encode(%+v)) = %+v, %t", c, got, ok)
	}
	for _, data := range []string{"", "p12", "kv 1 2", "kv 1 2 3 9 a x"} {
		if got, ok := decodeKVCommand([]byte(data)); ok {
			t.Errorf("decode(%q) = %+v, want no command", data, got)
		}
	}
}

// TestKVModel checks the porcupine model on small histories whose verdicts
// are worked out by hand.
func TestKVModel(t *testing.T) {
	op := func(client int, in kvInput, call int64, out kvOutput, ret int64) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}
	}
	put := func(k, v string) kvInput { return kvInput{op: kvPut, key: k, value: v} }
	appendTo := func(k, v string) kvInput { return kvInput{op: kvAppend, key: k, value: v} }
	get := func(k string) kvInput { return kvInput{op: kvGet, key: k} }
	val := func(v string) kvOutput { return kvOutput{value: v} }
	unknown := kvOutput{unknown: true}
	for _, tc := range []struct {
		name string
		ok   bool
		h    []porcupine.Operation
	}{
		{"reads overlapping a put see the old value, then the new", true, []porcupine.Operation{
			op(0, put("a", "x"), 0, val(""), 10),
			op(1, get("a"), 3, val(""), 4),
			op(2, get("a"), 5, val("x"), 6),
		}},
		// The second read starts after the first ended: once x was seen,
		// the older value cannot come back.
		{"reads go back in time", false, []porcupine.Operation{
			op(0, put("a", "x"), 0, val(""), 10),
			op(1, get("a"), 5, val("x"), 6),
			op(2, get("a"), 7, val(""), 8),
		}},
		{"stale read after a completed put", false, []porcupine.Operation{
			op(0, put("a", "x"), 0, val(""), 4),
			op(1, get("a"), 5, val(""), 6),
		}},
		{"append applied twice", false, []porcupine.Operation{
			op(0, appendTo("a", "y"), 0, val(""), 4),
			op(1, get("a"), 5, val("yy"), 6),
		}},
		{"appends in either order, told by their results", true, []porcupine.Operation{
			op(0, appendTo("a", "y"), 0, val("z"), 10),
			op(1, appendTo("a", "z"), 0, val(""), 10),
			op(2, get("a"), 11, val("zy"), 12),
		}},
		{"an unanswered put may have happened", true, []porcupine.Operation{
			op(0, put("a", "x"), 0, unknown, math.MaxInt64),
			op(1, get("a"), 5, val("x"), 6),
		}},
		{"an unanswered put may not have happened", true, []porcupine.Operation{
			op(0, put("a", "x"), 0, unknown, math.MaxInt64),
			op(1, get("a"), 5, val(""), 6),
		}},
		{"an unanswered put cannot act before its call", false, []porcupine.Operation{
			op(1, get("a"), 0, val("x"), 2),
			op(0, put("a", "x"), 3, unknown, math.MaxInt64),
		}},
		{"keys are independent", true, []porcupine.Operation{
			op(0, put("a", "x"), 0, val(""), 2),
			op(1, get("b"), 3, val(""), 4),
			op(1, get("a"), 5, val("x"), 6),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := porcupine.CheckOperationsTimeout(kvModel(), tc.h, 10*time.Second)
			if want := map[bool]porcupine.CheckResult{true: porcupine.Ok, false: porcupine.Illegal}[tc.ok]; res != want {
				t.Fatalf("porcupine says %s, want %s", res, want)
			}
		})
	}
}
