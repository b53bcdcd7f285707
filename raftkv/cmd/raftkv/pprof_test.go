package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

// pprofStatus runs the command with a fake node and returns the HTTP
// status of /debug/pprof/cmdline on its metrics address.
func pprofStatus(t *testing.T, on bool) int {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := testConfig()
	cfg.pprof = on
	addrs := make(chan net.Addr, 1)
	result := make(chan error, 1)
	f := &fakeNode{done: make(chan struct{})}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { result <- run(ctx, cfg, log, f.start, func(_, m net.Addr) { addrs <- m }) }()
	defer func() {
		cancel()
		if err := <-result; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	var m net.Addr
	select {
	case m = <-addrs:
	case err := <-result:
		t.Fatalf("run ended before listening: %v", err)
	}
	resp, err := http.Get("http://" + m.String() + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestPprofFlag(t *testing.T) {
	if got := pprofStatus(t, false); got != http.StatusNotFound {
		t.Errorf("without --pprof: status %d, want 404", got)
	}
	if got := pprofStatus(t, true); got != http.StatusOK {
		t.Errorf("with --pprof: status %d, want 200", got)
	}
	_, err := parseFlags([]string{"--id", "1", "--data-dir", "/d", "--initial-cluster", "1=127.0.0.1:2380",
		"--metrics-addr", "", "--pprof"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--pprof needs --metrics-addr") {
		t.Errorf("--pprof without a metrics address: %v", err)
	}
}
