package server

import (
	"context"
	"testing"
	"time"
)

func TestWaitTimeout(t *testing.T) {
	s := &Server{cfg: Config{RequestTimeout: time.Minute}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	got, done := s.waitTimeout(ctx)
	done()
	if got != ctx {
		t.Fatal("a context with a deadline was wrapped")
	}
	if ctx.Err() != nil {
		t.Fatal("the no-op cancel canceled the caller's context")
	}
	got, done = s.waitTimeout(context.Background())
	defer done()
	dl, ok := got.Deadline()
	if !ok || time.Until(dl) > time.Minute {
		t.Fatalf("a context without a deadline got deadline %v (set %v), want RequestTimeout", dl, ok)
	}
}
