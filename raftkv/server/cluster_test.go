package server

import (
	"testing"
)

// TestClusterWritesReadsFailover: three members elect a leader, accept
// writes on every member (followers forward through raft), serve a
// linearizable read of another member's write, survive the leader's stop
// and bring the stopped member back from its WAL.
func TestClusterWritesReadsFailover(t *testing.T) {
	c := newTestCluster(t, 3)
	lead := c.waitLeader()
	for id, s := range c.servers {
		put(t, s, key(int(id)), "v1")
	}
	// Each write is read back linearizably from a member that did not
	// serve it: the read must see it even if that member lags.
	for id := range c.servers {
		other := c.servers[id%3+1]
		if v := get(t, other, key(int(id)), false); v != "v1" {
			t.Fatalf("member %d reads %s = %q, want v1", other.ID(), key(int(id)), v)
		}
	}
	c.stop(lead)
	newLead := c.waitLeader()
	if newLead == lead {
		t.Fatalf("stopped leader %d still leads", lead)
	}
	for id, s := range c.servers {
		if v := get(t, s, key(int(lead)), false); v != "v1" {
			t.Fatalf("after failover member %d reads %q, want v1", id, v)
		}
		put(t, s, key(10+int(id)), "v2")
	}
	c.start(lead, false)
	c.waitLeader()
	back := c.servers[lead]
	for id := range c.servers {
		if id == lead {
			continue
		}
		if v := get(t, back, key(10+int(id)), false); v != "v2" {
			t.Fatalf("restarted member reads %s = %q, want v2", key(10+int(id)), v)
		}
	}
	// Once caught up, its local (serializable) state has everything.
	if v := get(t, back, key(int(lead)), true); v != "v1" {
		t.Fatalf("restarted member's local %s = %q, want v1", key(int(lead)), v)
	}
}
