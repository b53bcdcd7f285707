package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{
		"--id", "0x2", "--data-dir", "/d",
		"--initial-cluster", "1=127.0.0.1:2380,2=http://127.0.0.1:2480,3=[::1]:2580",
		"--listen-client-addr", "http://0.0.0.0:2379", "--log-level", "debug",
		"--backend-batch-interval", "20ms", "--backend-batch-limit", "500",
		"--max-watch-buffered-events", "70", "--max-watch-buffered-bytes", "8000",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.id != 2 || c.name != "2" || c.dataDir != "/d" || c.clusterState != "new" || c.logLevel != slog.LevelDebug {
		t.Fatalf("parsed %+v", c)
	}
	if c.peerAddr != "127.0.0.1:2480" || c.clientAddr != "0.0.0.0:2379" || c.metricsAddr != "127.0.0.1:2381" {
		t.Fatalf("addresses: peer %s client %s metrics %s", c.peerAddr, c.clientAddr, c.metricsAddr)
	}
	if c.heartbeat != 100*time.Millisecond || c.electionTimeout != time.Second || c.snapshotCount != 0 {
		t.Fatalf("raft timing: heartbeat %v election %v snapshot count %d", c.heartbeat, c.electionTimeout, c.snapshotCount)
	}
	if sc, err := serverConfig(c, slog.Default()); err != nil || sc.KVCommitInterval != 20*time.Millisecond || sc.KVCommitEntries != 500 {
		t.Fatalf("backend batch: %v, %v %d; want 20ms and 500", err, sc.KVCommitInterval, sc.KVCommitEntries)
	} else if sc.Watch.MaxTotalPendingEvents != 70 || sc.Watch.MaxTotalPendingBytes != 8000 {
		t.Fatalf("watch bounds %+v, want 70 events and 8000 bytes", sc.Watch)
	}
	want := map[uint64]string{1: "127.0.0.1:2380", 2: "127.0.0.1:2480", 3: "[::1]:2580"}
	if len(c.peers) != len(want) {
		t.Fatalf("peers %v, want %v", c.peers, want)
	}
	for id, a := range want {
		if c.peers[id] != a {
			t.Fatalf("peers %v, want %v", c.peers, want)
		}
	}
}

func TestParseFlagsErrors(t *testing.T) {
	base := []string{"--id", "1", "--data-dir", "/d", "--initial-cluster", "1=127.0.0.1:2380"}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--data-dir", "/d", "--initial-cluster", "1=h:1"}, "--id: is required"},
		{with("--id", "0"), "--id: must not be 0"},
		{with("--id", "one"), `--id: "one" is not a number`},
		{[]string{"--id", "1", "--initial-cluster", "1=h:1"}, "--data-dir is required"},
		{[]string{"--id", "1", "--data-dir", "/d"}, "--initial-cluster: is required"},
		{with("--initial-cluster", "2=127.0.0.1:2380"), "no entry for this member's id 1"},
		{with("--initial-cluster", "1=127.0.0.1:2380,1=127.0.0.1:2381"), "id 1 appears twice"},
		{with("--initial-cluster", "1=127.0.0.1:2380,2=127.0.0.1:2380"), "share the address"},
		{with("--initial-cluster", "1:127.0.0.1:2380"), "is not id=host:port"},
		{with("--initial-cluster", "1=127.0.0.1"), "is not host:port"},
		{with("--initial-cluster", "1=127.0.0.1:0"), "needs a fixed port"},
		{with("--initial-cluster", "1=https://127.0.0.1:2380"), "only http:// URLs"},
		{with("--initial-cluster-state", "old"), `"old", want new or existing`},
		{with("--listen-client-addr", "nowhere"), "--listen-client-addr"},
		{with("--metrics-addr", "nowhere"), "--metrics-addr"},
		{with("--log-level", "loud"), `--log-level: "loud"`},
		{with("--peer-cert-file", "c.pem"), "peer TLS needs all"},
		{with("--heartbeat-interval", "0s"), "--heartbeat-interval must be positive"},
		{with("--heartbeat-interval", "30ms", "--election-timeout", "100ms"), "must be a multiple"},
		{with("--heartbeat-interval", "50ms", "--election-timeout", "50ms"), "at least two"},
		{with("--backend-batch-interval", "-1s"), "must not be negative"},
		{with("--backend-batch-limit", "-1"), "must not be negative"},
		{with("--max-watch-buffered-bytes", "-1"), "must not be negative"},
		{with("--auto-compaction-mode", "hourly"), `--auto-compaction-mode is "hourly", want periodic or revision`},
		{with("--auto-compaction-retention", "soon"), `"soon": periodic mode takes a duration`},
		{with("--auto-compaction-retention", "1.5"), `"1.5": periodic mode takes a duration`},
		{with("--auto-compaction-retention", "-1"), "-1 hours is out of range"},
		{with("--auto-compaction-retention", "3000000"), "3000000 hours is out of range"},
		{with("--auto-compaction-retention", "-5m"), "-5m0s must not be negative"},
		{with("--auto-compaction-mode", "revision", "--auto-compaction-retention", "1h"), `"1h": revision mode takes a whole number`},
		{with("--auto-compaction-mode", "revision", "--auto-compaction-retention", "-3"), "-3 must not be negative"},
		{with("extra"), `unexpected argument "extra"`},
		{with("--no-such-flag"), "flag provided but not defined"},
	}
	for _, tc := range tests {
		_, err := parseFlags(tc.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%v: got %v, want an error containing %q", tc.args, err, tc.msg)
		}
	}
}

func TestParseAutoCompaction(t *testing.T) {
	base := []string{"--id", "1", "--data-dir", "/d", "--initial-cluster", "1=127.0.0.1:2380"}
	for _, tc := range []struct {
		args      []string
		period    time.Duration
		revisions int64
	}{
		{nil, 0, 0}, // off by default
		{[]string{"--auto-compaction-retention", "0"}, 0, 0},
		{[]string{"--auto-compaction-retention", "2"}, 2 * time.Hour, 0}, // a bare number is hours
		{[]string{"--auto-compaction-retention", "30m"}, 30 * time.Minute, 0},
		{[]string{"--auto-compaction-mode", "periodic", "--auto-compaction-retention", "1h30m"}, 90 * time.Minute, 0},
		{[]string{"--auto-compaction-mode", "revision", "--auto-compaction-retention", "1000"}, 0, 1000},
		{[]string{"--auto-compaction-mode", "revision"}, 0, 0},
	} {
		c, err := parseFlags(append(append([]string(nil), base...), tc.args...), io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		sc, err := serverConfig(c, slog.Default())
		if err != nil {
			t.Fatal(err)
		}
		if ac := sc.AutoCompaction; ac.Period != tc.period || ac.Revisions != tc.revisions || ac.RevisionInterval != 0 {
			t.Errorf("%v: auto-compaction %+v, want period %v, revisions %d and the default interval", tc.args, ac, tc.period, tc.revisions)
		}
	}

	t.Setenv(revisionCheckEnv, "50ms")
	c, err := parseFlags(append(base, "--auto-compaction-mode", "revision", "--auto-compaction-retention", "10"), io.Discard)
	if err != nil || c.compactCheck != 50*time.Millisecond {
		t.Fatalf("with %s=50ms: %v, interval %v", revisionCheckEnv, err, c.compactCheck)
	}
	for _, bad := range []string{"soon", "0s"} {
		t.Setenv(revisionCheckEnv, bad)
		if _, err := parseFlags(base, io.Discard); err == nil || !strings.Contains(err.Error(), "is not a positive duration") {
			t.Errorf("%s=%q: %v, want an error", revisionCheckEnv, bad, err)
		}
	}
}
