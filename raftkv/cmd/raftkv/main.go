// Command raftkv runs one member of a raftkv cluster: the replicated
// key-value store, served over etcd's v3 gRPC API, with Prometheus metrics
// on a separate address. See docs/design/raftkv-api.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "ctl" {
		err := ctl(os.Args[2:], os.Stdout, os.Stderr)
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "raftkv ctl: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "bench" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		err := bench(ctx, os.Args[2:], os.Stdout, os.Stderr)
		stop()
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "raftkv bench: %v\n", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "raftkv: %v\n", err)
		os.Exit(2)
	}
	log := newLogger(os.Stderr, cfg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, cfg, log, startNode, nil); err != nil {
		log.Error("raftkv stopped", "err", err)
		os.Exit(1)
	}
}

// newLogger writes structured text logs at the configured level, each
// line naming the member.
func newLogger(w io.Writer, cfg config) *slog.Logger {
	h := slog.NewTextHandler(w, &slog.HandlerOptions{Level: cfg.logLevel})
	return slog.New(h).With("member", cfg.name, "id", fmt.Sprintf("%x", cfg.id))
}
