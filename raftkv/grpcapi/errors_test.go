package grpcapi

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/tickraft/raft/raftkv/kv"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func wantStatus(t *testing.T, what string, err error, code codes.Code, msg string) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("%s: %v is not a gRPC status", what, err)
	}
	if st.Code() != code || !strings.Contains(st.Message(), msg) {
		t.Fatalf("%s: %v %q, want %v containing %q", what, st.Code(), st.Message(), code, msg)
	}
}

func putOp(k, v string) *pb.RequestOp {
	return &pb.RequestOp{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: []byte(k), Value: []byte(v)}}}
}

func delOp(k, end string) *pb.RequestOp {
	d := &pb.DeleteRangeRequest{Key: []byte(k)}
	if end != "" {
		d.RangeEnd = []byte(end)
	}
	return &pb.RequestOp{Request: &pb.RequestOp_RequestDeleteRange{RequestDeleteRange: d}}
}

func txnOp(success []*pb.RequestOp, failure ...*pb.RequestOp) *pb.RequestOp {
	return &pb.RequestOp{Request: &pb.RequestOp_RequestTxn{RequestTxn: &pb.TxnRequest{Success: success, Failure: failure}}}
}

func TestOversizedInput(t *testing.T) {
	env := newTestEnv(t)
	ctx := testCtx(t)
	kvc := env.kv()
	long := func(n int) []byte { return bytes.Repeat([]byte("x"), n) }

	_, err := kvc.Put(ctx, &pb.PutRequest{Key: long(testLimits.MaxKeyBytes + 1), Value: []byte("v")})
	wantStatus(t, "long key", err, codes.InvalidArgument, "key is too large")
	_, err = kvc.Put(ctx, &pb.PutRequest{Key: []byte("k"), Value: long(testLimits.MaxValueBytes + 1)})
	wantStatus(t, "long value", err, codes.InvalidArgument, "value is too large")
	// Four values at the value limit pass each check but not the request's.
	var ops []*pb.RequestOp
	for _, k := range []string{"a", "b", "c", "d"} {
		ops = append(ops, putOp(k, string(long(testLimits.MaxValueBytes))))
	}
	_, err = kvc.Txn(ctx, &pb.TxnRequest{Success: ops})
	if !errors.Is(err, rpctypes.ErrGRPCRequestTooLarge) {
		t.Fatalf("oversized txn: %v, want %v", err, rpctypes.ErrGRPCRequestTooLarge)
	}
	// gRPC itself refuses a message far past the limit, before decoding it.
	_, err = kvc.Put(ctx, &pb.PutRequest{Key: []byte("k"), Value: long(testLimits.MaxRequestBytes + grpcOverheadBytes)})
	wantStatus(t, "huge message", err, codes.ResourceExhausted, "larger than max")
	_, err = kvc.Put(ctx, &pb.PutRequest{Value: []byte("v")})
	if !errors.Is(err, rpctypes.ErrGRPCEmptyKey) {
		t.Fatalf("empty key: %v", err)
	}
	// Through the client library, etcd's errors come back as its own.
	_, err = env.client.Txn(ctx).Then(clientv3.OpPut("a", string(long(testLimits.MaxValueBytes))),
		clientv3.OpPut("b", string(long(testLimits.MaxValueBytes))), clientv3.OpPut("c", string(long(testLimits.MaxValueBytes))),
		clientv3.OpPut("d", string(long(testLimits.MaxValueBytes)))).Commit()
	if !errors.Is(err, rpctypes.ErrRequestTooLarge) {
		t.Fatalf("oversized txn through the client: %v, want %v", err, rpctypes.ErrRequestTooLarge)
	}
	tooMany := make([]*pb.RequestOp, testLimits.MaxTxnOps+1)
	for i := range tooMany {
		tooMany[i] = putOp(string(rune('a'+i)), "v")
	}
	_, err = kvc.Txn(ctx, &pb.TxnRequest{Success: tooMany})
	if !errors.Is(err, rpctypes.ErrGRPCTooManyOps) {
		t.Fatalf("txn with %d ops: %v", len(tooMany), err)
	}
	if rev := env.backend.store.Revision(); rev != 1 {
		t.Fatalf("refused requests moved the revision to %d", rev)
	}
}

func TestTxnDuplicateKeys(t *testing.T) {
	env := newTestEnv(t)
	ctx := testCtx(t)
	tests := []struct {
		name    string
		success []*pb.RequestOp
		failure []*pb.RequestOp
		dup     bool
	}{
		{"two puts", []*pb.RequestOp{putOp("a", "1"), putOp("a", "2")}, nil, true},
		{"put in deleted key", []*pb.RequestOp{delOp("a", ""), putOp("a", "1")}, nil, true},
		{"put in deleted range", []*pb.RequestOp{putOp("b", "1"), delOp("a", "c")}, nil, true},
		{"put past deleted range", []*pb.RequestOp{putOp("c", "1"), delOp("a", "c")}, nil, false},
		{"put in delete from key", []*pb.RequestOp{delOp("m", "\x00"), putOp("zz", "1")}, nil, true},
		{"put below delete from key", []*pb.RequestOp{delOp("m", "\x00"), putOp("l", "1")}, nil, false},
		{"two deletes", []*pb.RequestOp{delOp("a", "c"), delOp("b", "d")}, nil, false},
		{"one put per branch", []*pb.RequestOp{putOp("a", "1")}, []*pb.RequestOp{putOp("a", "2")}, false},
		{"put in nested txn and outside", []*pb.RequestOp{putOp("a", "1"), txnOp([]*pb.RequestOp{putOp("a", "2")})}, nil, true},
		{"put in both nested branches", []*pb.RequestOp{txnOp([]*pb.RequestOp{putOp("a", "1")}, putOp("a", "2"))}, nil, false},
		{"nested delete covers outer put", []*pb.RequestOp{putOp("a", "1"), txnOp(nil, delOp("a", "b"))}, nil, true},
		{"failure branch duplicate", nil, []*pb.RequestOp{putOp("x", "1"), putOp("x", "1")}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.kv().Txn(ctx, &pb.TxnRequest{Success: tc.success, Failure: tc.failure})
			if tc.dup {
				if !errors.Is(err, rpctypes.ErrGRPCDuplicateKey) {
					t.Fatalf("got %v, want %v", err, rpctypes.ErrGRPCDuplicateKey)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want success", err)
			}
		})
	}
}

func TestRevisionsAndLeases(t *testing.T) {
	env := newTestEnv(t)
	ctx := testCtx(t)
	c := env.client
	for _, v := range []string{"1", "2"} {
		if _, err := c.Put(ctx, "k", v); err != nil {
			t.Fatal(err)
		}
	}
	if resp, err := c.Get(ctx, "k", clientv3.WithRev(3)); err != nil || !equal(pairs(resp.Kvs), []string{"k=2"}) {
		t.Fatalf("read at the current revision: %v, %v", resp, err)
	}
	resp, err := c.Get(ctx, "k", clientv3.WithRev(2))
	if err != nil || !equal(pairs(resp.Kvs), []string{"k=1"}) || resp.Header.Revision != 3 {
		t.Fatalf("read at revision 2: %v, %v; want k=1 with header revision 3", resp, err)
	}
	if resp, err := c.Get(ctx, "k", clientv3.WithRev(1)); err != nil || len(resp.Kvs) != 0 {
		t.Fatalf("read at revision 1, before k existed: %v, %v", resp, err)
	}
	if _, err := c.Get(ctx, "k", clientv3.WithRev(4)); !errors.Is(err, rpctypes.ErrFutureRev) {
		t.Fatalf("read at a future revision: %v, want %v", err, rpctypes.ErrFutureRev)
	}
	_, err = env.kv().Txn(ctx, &pb.TxnRequest{Success: []*pb.RequestOp{{Request: &pb.RequestOp_RequestRange{
		RequestRange: &pb.RangeRequest{Key: []byte("k"), Revision: 2}}}}})
	wantStatus(t, "txn range at a past revision", err, codes.InvalidArgument, "must read the current revision")
	_, err = c.Put(ctx, "k", "v", clientv3.WithLease(7))
	if !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		t.Fatalf("put with a lease: %v, want %v", err, rpctypes.ErrLeaseNotFound)
	}
	_, err = c.Put(ctx, "missing", "", clientv3.WithIgnoreValue())
	if !errors.Is(err, rpctypes.ErrKeyNotFound) {
		t.Fatalf("ignore_value on a missing key: %v, want %v", err, rpctypes.ErrKeyNotFound)
	}
}

func TestUnsupported(t *testing.T) {
	env := newTestEnv(t)
	ctx := testCtx(t)
	_, err := pb.NewLeaseClient(env.conn).LeaseGrant(ctx, &pb.LeaseGrantRequest{TTL: 10})
	wantStatus(t, "lease grant", err, codes.Unimplemented, "leases")
	w, err := pb.NewWatchClient(env.conn).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Recv()
	wantStatus(t, "watch", err, codes.Unimplemented, "watches")
	cl := pb.NewClusterClient(env.conn)
	_, err = cl.MemberUpdate(ctx, &pb.MemberUpdateRequest{ID: fakeMemberID})
	wantStatus(t, "member update", err, codes.Unimplemented, "peer URLs")
	_, err = cl.MemberPromote(ctx, &pb.MemberPromoteRequest{ID: fakeMemberID})
	wantStatus(t, "member promote", err, codes.Unimplemented, "learner")
	_, err = cl.MemberAdd(ctx, &pb.MemberAddRequest{PeerURLs: []string{"http://x:1"}, IsLearner: true})
	wantStatus(t, "learner add", err, codes.Unimplemented, "learner")
	m := pb.NewMaintenanceClient(env.conn)
	_, err = m.Defragment(ctx, &pb.DefragmentRequest{})
	wantStatus(t, "defragment", err, codes.Unimplemented, "defragmentation")
	_, err = m.MoveLeader(ctx, &pb.MoveLeaderRequest{TargetID: 2})
	wantStatus(t, "move leader", err, codes.Unimplemented, "leader transfer")
	auth := pb.NewAuthClient(env.conn)
	as, err := auth.AuthStatus(ctx, &pb.AuthStatusRequest{})
	if err != nil || as.Enabled {
		t.Fatalf("auth status: %v, %v; want disabled", as, err)
	}
	_, err = auth.Authenticate(ctx, &pb.AuthenticateRequest{Name: "root", Password: "x"})
	if !errors.Is(err, rpctypes.ErrGRPCAuthNotEnabled) {
		t.Fatalf("authenticate: %v", err)
	}
	_, err = auth.UserAdd(ctx, &pb.AuthUserAddRequest{Name: "u"})
	wantStatus(t, "user add", err, codes.Unimplemented, "authentication")
}

func TestBackendErrors(t *testing.T) {
	tests := []struct {
		err  error
		code codes.Code
		msg  string
	}{
		{errFakeNotLeader, codes.FailedPrecondition, "etcdserver: not leader"},
		{kv.ErrClosed, codes.Unavailable, "etcdserver: server stopped"},
		{kv.ErrKeyTooLarge, codes.InvalidArgument, "key is too large"},
		{kv.ErrBadCommand, codes.InvalidArgument, "malformed command"},
		{kv.ErrStaleSequence, codes.Aborted, "sequence"},
		{errors.New("disk on fire"), codes.Unknown, "disk on fire"},
	}
	for _, tc := range tests {
		t.Run(tc.msg, func(t *testing.T) {
			env := newTestEnv(t)
			ctx := testCtx(t)
			env.backend.fail = tc.err
			_, err := env.kv().Range(ctx, &pb.RangeRequest{Key: []byte("k")})
			wantStatus(t, "range", err, tc.code, tc.msg)
			_, err = env.kv().Put(ctx, &pb.PutRequest{Key: []byte("k")})
			wantStatus(t, "put", err, tc.code, tc.msg)
			_, err = pb.NewClusterClient(env.conn).MemberList(ctx, &pb.MemberListRequest{})
			wantStatus(t, "member list", err, tc.code, tc.msg)
			_, err = pb.NewMaintenanceClient(env.conn).Status(ctx, &pb.StatusRequest{})
			wantStatus(t, "status", err, tc.code, tc.msg)
		})
	}
}

func TestMembersAndStatus(t *testing.T) {
	env := newTestEnv(t)
	ctx := testCtx(t)
	c := env.client
	list, err := c.MemberList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkHeader(t, "member list", list.Header, 1)
	if len(list.Members) != 1 || list.Members[0].ID != fakeMemberID {
		t.Fatalf("members %v", list.Members)
	}
	add, err := c.MemberAdd(ctx, []string{"http://127.0.0.1:2390"})
	if err != nil {
		t.Fatal(err)
	}
	if add.Member.ID != 0x20 || len(add.Members) != 2 {
		t.Fatalf("member add: %v", add)
	}
	rm, err := c.MemberRemove(ctx, 0x20)
	if err != nil {
		t.Fatal(err)
	}
	if len(rm.Members) != 1 || rm.Members[0].ID != fakeMemberID {
		t.Fatalf("after remove: %v", rm.Members)
	}
	if _, err := c.MemberRemove(ctx, 0x20); !errors.Is(err, rpctypes.ErrMemberNotFound) {
		t.Fatalf("removing a removed member: %v, want %v", err, rpctypes.ErrMemberNotFound)
	}
	if _, err := c.Put(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, env.addr)
	if err != nil {
		t.Fatal(err)
	}
	checkHeader(t, "status", st.Header, 2)
	if st.Leader != fakeMemberID || st.RaftIndex != 1 || st.RaftTerm != fakeTerm {
		t.Fatalf("status %v", st)
	}
}
