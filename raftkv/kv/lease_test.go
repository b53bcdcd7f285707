package kv

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

func grantCmd(id, ttl int64) *Command {
	return &Command{LeaseGrant: &etcdserverpb.LeaseGrantRequest{ID: id, TTL: ttl}}
}

func revokeCmd(id int64) *Command {
	return &Command{LeaseRevoke: &etcdserverpb.LeaseRevokeRequest{ID: id}}
}

func leasePut(k, v string, lease int64) *Command {
	return &Command{Put: &etcdserverpb.PutRequest{Key: []byte(k), Value: []byte(v), Lease: lease}}
}

// leaseKeyNames lists a lease's keys as strings.
func leaseKeyNames(t *testing.T, s *KV, id int64) []string {
	t.Helper()
	_, keys, err := s.LeaseInfo(id)
	if err != nil {
		t.Fatalf("lease %d: %v", id, err)
	}
	var out []string
	for _, k := range keys {
		out = append(out, string(k))
	}
	return out
}

func mustLease(t *testing.T, r Result) *LeaseResult {
	t.Helper()
	if r.Err != nil || r.Lease == nil {
		t.Fatalf("lease command: err %v, result %+v", r.Err, r.Lease)
	}
	return r.Lease
}

func TestLeaseGrantIDs(t *testing.T) {
	s := openTest(t, Options{})
	// Entry 1: a client picks id 3. Entry 2: server-assigned, so 2.
	// Entry 3: server-assigned, 3 is taken, so 4.
	if g := mustLease(t, applyOne(t, s, grantCmd(3, 10))).Granted; g.ID != 3 || g.TTL != 10 {
		t.Fatalf("client id grant gave %+v, want id 3 ttl 10", g)
	}
	if g := mustLease(t, applyOne(t, s, grantCmd(0, 20))).Granted; g.ID != 2 {
		t.Fatalf("grant at index 2 gave id %d, want 2", g.ID)
	}
	if g := mustLease(t, applyOne(t, s, grantCmd(0, 30))).Granted; g.ID != 4 {
		t.Fatalf("grant at index 3 gave id %d, want 4 (3 is taken)", g.ID)
	}
	if r := applyOne(t, s, grantCmd(2, 5)); !errors.Is(r.Err, ErrLeaseExists) {
		t.Fatalf("granting id 2 again: err %v, want ErrLeaseExists", r.Err)
	}
	if r := applyOne(t, s, grantCmd(5, MaxLeaseTTL+1)); !errors.Is(r.Err, ErrLeaseTTLTooLarge) {
		t.Fatalf("grant over the max TTL: err %v, want ErrLeaseTTLTooLarge", r.Err)
	}
	if rev := s.Revision(); rev != 1 {
		t.Fatalf("grants moved the revision to %d, want 1", rev)
	}
	ls, err := s.Leases()
	if err != nil {
		t.Fatal(err)
	}
	want := []Lease{{ID: 2, TTL: 20}, {ID: 3, TTL: 10}, {ID: 4, TTL: 30}}
	if !slices.Equal(ls, want) {
		t.Fatalf("leases %+v, want %+v", ls, want)
	}
}

func TestLeaseAttachAndMove(t *testing.T) {
	s := openTest(t, Options{})
	applyOne(t, s, grantCmd(100, 60))
	applyOne(t, s, grantCmd(200, 60))
	if r := applyOne(t, s, leasePut("a", "1", 999)); !errors.Is(r.Err, ErrLeaseNotFound) {
		t.Fatalf("put with unknown lease: err %v, want ErrLeaseNotFound", r.Err)
	}
	applyOne(t, s, leasePut("a", "1", 100)) // rev 2
	applyOne(t, s, leasePut("b", "1", 100)) // rev 3
	applyOne(t, s, leasePut("c", "1", 200)) // rev 4
	applyOne(t, s, leasePut("b", "2", 200)) // rev 5: b moves to 200
	keep := &Command{Put: &etcdserverpb.PutRequest{Key: []byte("c"), Value: []byte("2"), IgnoreLease: true}}
	applyOne(t, s, keep)                  // rev 6: c stays on 200
	applyOne(t, s, leasePut("d", "1", 0)) // rev 7: no lease
	if got := leaseKeyNames(t, s, 100); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("lease 100 holds %q, want [a]", got)
	}
	if got := leaseKeyNames(t, s, 200); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("lease 200 holds %q, want [b c]", got)
	}
	resp, err := s.Range(&etcdserverpb.RangeRequest{Key: []byte("c")})
	if err != nil || len(resp.Kvs) != 1 || resp.Kvs[0].Lease != 200 || string(resp.Kvs[0].Value) != "2" {
		t.Fatalf("c after ignore_lease put: %v %v, want value 2 on lease 200", resp, err)
	}
	// Dropping a key's lease and deleting a key both detach it.
	applyOne(t, s, leasePut("b", "3", 0))
	applyOne(t, s, delCmd("c", ""))
	if got := leaseKeyNames(t, s, 200); len(got) != 0 {
		t.Fatalf("lease 200 holds %q, want nothing", got)
	}
	// A txn whose put names a missing lease fails whole.
	bad := &Command{Txn: &etcdserverpb.TxnRequest{Success: []*etcdserverpb.RequestOp{opPut("e", "1"), {Request: &etcdserverpb.RequestOp_RequestPut{
		RequestPut: &etcdserverpb.PutRequest{Key: []byte("f"), Lease: 7}}}}}}
	if r := applyOne(t, s, bad); !errors.Is(r.Err, ErrLeaseNotFound) {
		t.Fatalf("txn with unknown lease: err %v, want ErrLeaseNotFound", r.Err)
	}
	if rev := s.Revision(); rev != 9 {
		t.Fatalf("revision %d, want 9", rev)
	}
}

func TestLeaseRevokeDeletesKeysAtOneRevision(t *testing.T) {
	s := openTest(t, Options{})
	applyOne(t, s, grantCmd(7, 60))
	applyOne(t, s, grantCmd(8, 60))
	applyOne(t, s, leasePut("x", "1", 7)) // rev 2
	applyOne(t, s, leasePut("y", "1", 7)) // rev 3
	applyOne(t, s, leasePut("z", "1", 8)) // rev 4
	lr := mustLease(t, applyOne(t, s, revokeCmd(7)))
	if lr.Revoked != 7 || lr.RevokedKeys != 2 || lr.Revision != 5 {
		t.Fatalf("revoke result %+v, want lease 7, 2 keys, revision 5", lr)
	}
	if got := liveKeys(t, s); !slices.Equal(got, []string{kvLine("z", "1", 4, 4, 1)}) {
		t.Fatalf("keys after revoke %q, want only z", got)
	}
	evs, err := s.History(5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("revoke wrote %d events, want 2", len(evs))
	}
	for i, k := range []string{"x", "y"} {
		ev := evs[i]
		if ev.Type != mvccpb.DELETE || string(ev.Kv.Key) != k || ev.Kv.ModRevision != 5 {
			t.Fatalf("event %d: %v, want delete of %s at 5", i, ev, k)
		}
	}
	if _, _, err := s.LeaseInfo(7); !errors.Is(err, ErrLeaseNotFound) {
		t.Fatalf("revoked lease still found: %v", err)
	}
	if r := applyOne(t, s, revokeCmd(7)); !errors.Is(r.Err, ErrLeaseNotFound) {
		t.Fatalf("second revoke: err %v, want ErrLeaseNotFound", r.Err)
	}
	// A lease with no keys goes without a new revision.
	applyOne(t, s, grantCmd(9, 60))
	if lr := mustLease(t, applyOne(t, s, revokeCmd(9))); lr.RevokedKeys != 0 || lr.Revision != 5 {
		t.Fatalf("empty revoke %+v, want 0 keys at revision 5", lr)
	}
}

func TestLeaseCheckpointRecordsRemaining(t *testing.T) {
	s := openTest(t, Options{})
	applyOne(t, s, grantCmd(1, 60))
	cp := &Command{LeaseCheckpoint: &etcdserverpb.LeaseCheckpointRequest{Checkpoints: []*etcdserverpb.LeaseCheckpoint{
		{ID: 1, Remaining_TTL: 42}, {ID: 99, Remaining_TTL: 5}}}}
	if r := applyOne(t, s, cp); r.Err != nil {
		t.Fatalf("checkpoint: %v", r.Err)
	}
	l, _, err := s.LeaseInfo(1)
	if err != nil || l != (Lease{ID: 1, TTL: 60, Remaining: 42}) {
		t.Fatalf("lease after checkpoint %+v %v, want remaining 42", l, err)
	}
	if _, _, err := s.LeaseInfo(99); !errors.Is(err, ErrLeaseNotFound) {
		t.Fatalf("checkpoint of an unknown lease created it: %v", err)
	}
}

func TestLeaseCommandEncoding(t *testing.T) {
	for _, c := range []*Command{grantCmd(5, 30), revokeCmd(5), {RequestID: 9, LeaseCheckpoint: &etcdserverpb.LeaseCheckpointRequest{
		Checkpoints: []*etcdserverpb.LeaseCheckpoint{{ID: 5, Remaining_TTL: 3}}}}} {
		data, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeCommand(data)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := got.Encode()
		if !bytes.Equal(again, data) || got.RequestID != c.RequestID {
			t.Fatalf("round trip changed %x to %x", data, again)
		}
	}
	if _, err := (&Command{LeaseGrant: &etcdserverpb.LeaseGrantRequest{}, Put: &etcdserverpb.PutRequest{}}).Encode(); err == nil {
		t.Fatal("a command with two requests encoded")
	}
	if _, err := DecodeCommand([]byte{commandFormat, 8, 0, 0, 0}); !errors.Is(err, ErrBadCommand) {
		t.Fatalf("unknown kind 8: err %v, want ErrBadCommand", err)
	}
}

// leaseLog is a log exercising every lease command, for the replica tests.
func leaseLog(t *testing.T) *log {
	l := &log{}
	l.cmd(t, grantCmd(0, 30)).cmd(t, grantCmd(50, 40))
	l.cmd(t, leasePut("k1", "v", 1)).cmd(t, leasePut("k2", "v", 50)).cmd(t, leasePut("k3", "v", 50))
	l.cmd(t, revokeCmd(1)).cmd(t, grantCmd(0, 10)).cmd(t, leasePut("k4", "v", 7))
	return l
}

func TestLeasesSurviveRestartAndSnapshot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, leaseLog(t).take())
	before := dump(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{NoSync: true})
	if got := dump(t, s); got != before {
		t.Fatalf("restart changed the state:\n%s\nwant\n%s", got, before)
	}
	ls, err := s.Leases()
	want := []Lease{{ID: 7, TTL: 10}, {ID: 50, TTL: 40}}
	if err != nil || !slices.Equal(ls, want) {
		t.Fatalf("leases after restart %+v %v, want %+v", ls, err, want)
	}
	var buf bytes.Buffer
	if _, err := s.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	other := openTest(t, Options{})
	if _, err := other.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if got := leaseKeyNames(t, other, 50); !slices.Equal(got, []string{"k2", "k3"}) {
		t.Fatalf("restored lease 50 holds %q, want [k2 k3]", got)
	}
	if got := dump(t, other); got != before {
		t.Fatalf("restored state differs:\n%s\nwant\n%s", got, before)
	}
}

func TestLeaseReplicasAgree(t *testing.T) {
	a, b := openTest(t, Options{}), openTest(t, Options{})
	ents := leaseLog(t).take()
	mustApply(t, a, ents)
	// The second replica applies the same log in smaller batches.
	for i := 0; i < len(ents); i += 3 {
		mustApply(t, b, ents[i:min(i+3, len(ents))])
	}
	if da, db := dump(t, a), dump(t, b); da != db {
		t.Fatalf("replicas differ:\n%s\nvs\n%s", da, db)
	}
}
