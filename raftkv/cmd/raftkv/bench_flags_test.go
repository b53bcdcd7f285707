package main

import (
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseBenchDefaults(t *testing.T) {
	o, err := parseBench([]string{"--endpoints", "a:1, b:2,", "put"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := benchOpts{
		workload: "put", endpoints: []string{"a:1", "b:2"}, clients: 1, conns: 1,
		keySpace: 10000, keySize: 8, valueSize: 256, duration: 10 * time.Second,
		putRatio: 0.5, timeout: 10 * time.Second,
	}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("got %+v\nwant %+v", o, want)
	}
}

func TestParseBenchRejects(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // a piece of the error
	}{
		{nil, "one workload"},
		{[]string{"put", "range"}, "one workload"},
		{[]string{"delete"}, `unknown workload "delete"`},
		{[]string{"--endpoints", " , ", "put"}, "--endpoints is empty"},
		{[]string{"--clients", "0", "put"}, "--clients is 0"},
		{[]string{"--conns", "0", "put"}, "--conns is 0"},
		{[]string{"--clients", "2", "--conns", "3", "put"}, "more than --clients 2"},
		{[]string{"--key-space", "0", "put"}, "--key-space is 0"},
		{[]string{"--key-size", "0", "put"}, "--key-size is 0"},
		// Keys 0..1000 need four digits.
		{[]string{"--key-space", "1001", "--key-size", "3", "put"}, "needs keys of 4 digits"},
		{[]string{"--value-size", "-1", "put"}, "--value-size is -1"},
		{[]string{"--rate", "-5", "put"}, "--rate is -5"},
		{[]string{"--total", "-1", "put"}, "--total is -1"},
		{[]string{"--duration", "0s", "put"}, "--duration must be positive"},
		{[]string{"--put-ratio", "1.5", "mixed"}, "--put-ratio is 1.5"},
		{[]string{"--put-ratio", "-0.1", "mixed"}, "--put-ratio is -0.1"},
		{[]string{"--timeout", "0s", "put"}, "--timeout must be positive"},
		{[]string{"--serializable", "put"}, "the put workload has none"},
		{[]string{"--clients", "many", "put"}, "invalid value"},
	} {
		_, err := parseBench(c.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseBench(%q) = %v, want an error containing %q", c.args, err, c.want)
		}
	}
}

func TestParseBenchAccepts(t *testing.T) {
	for _, args := range [][]string{
		{"--key-space", "1000", "--key-size", "3", "put"}, // 0..999 fit in three digits
		{"--key-space", "1", "--key-size", "1", "range"},
		{"--total", "10", "--duration", "0s", "put"}, // --total replaces --duration
		{"--serializable", "range"},
		{"--serializable", "--put-ratio", "0", "mixed"},
		{"--put-ratio", "1", "--value-size", "0", "--rate", "100", "mixed"},
		{"--clients", "1000", "--conns", "1000", "put"},
	} {
		if _, err := parseBench(args, io.Discard); err != nil {
			t.Errorf("parseBench(%q): %v", args, err)
		}
	}
}

func TestBenchKey(t *testing.T) {
	buf := make([]byte, 6)
	for _, c := range []struct {
		i    int
		want string
	}{{0, "000000"}, {42, "000042"}, {999999, "999999"}} {
		if got := string(benchKey(buf, c.i)); got != c.want {
			t.Errorf("benchKey(%d) = %q, want %q", c.i, got, c.want)
		}
	}
	if v := benchValue(28); v != "abcdefghijklmnopqrstuvwxyzab" {
		t.Errorf("benchValue(28) = %q", v)
	}
}
