package raft

import (
	"fmt"
	"io"
	"log"
	"math"
	"reflect"
	"testing"
)

// validConfig returns a Config that validate accepts and that leaves every
// defaulted field at its zero value.
func validConfig() *Config {
	return &Config{
		ID:              1,
		ElectionTick:    10,
		HeartbeatTick:   1,
		Storage:         NewMemoryStorage(),
		MaxSizePerMsg:   4096,
		MaxInflightMsgs: 256,
	}
}

func TestConfigValidate(t *testing.T) {
	const (
		errNoneID     = "cannot use none as id"
		errLocalID    = "cannot use local target as id"
		errHeartbeat  = "heartbeat tick must be greater than 0"
		errElection   = "election tick must be greater than heartbeat tick"
		errStorage    = "storage cannot be nil"
		errInflight   = "max inflight messages must be greater than 0"
		errInflightB  = "max inflight bytes must be >= max message size"
		errLeaseBased = "CheckQuorum must be enabled when ReadOnlyOption is ReadOnlyLeaseBased"
	)
	maxTick := math.MaxInt / 2
	tests := []struct {
		name    string
		change  func(c *Config)
		wantErr string // "" for accepted
	}{
		{"valid", func(c *Config) {}, ""},
		{"id none", func(c *Config) { c.ID = None }, errNoneID},
		{"id append thread", func(c *Config) { c.ID = LocalAppendThread }, errLocalID},
		{"id apply thread", func(c *Config) { c.ID = LocalApplyThread }, errLocalID},
		{"id just below local targets", func(c *Config) { c.ID = math.MaxUint64 - 2 }, ""},
		{"heartbeat zero", func(c *Config) { c.HeartbeatTick = 0 }, errHeartbeat},
		{"heartbeat negative", func(c *Config) { c.HeartbeatTick = -1 }, errHeartbeat},
		{"election equals heartbeat", func(c *Config) { c.ElectionTick, c.HeartbeatTick = 3, 3 }, errElection},
		{"election below heartbeat", func(c *Config) { c.ElectionTick, c.HeartbeatTick = 2, 3 }, errElection},
		{"election negative", func(c *Config) { c.ElectionTick = -10 }, errElection},
		{"election just above heartbeat", func(c *Config) { c.ElectionTick, c.HeartbeatTick = 4, 3 }, ""},
		{"election at its bound", func(c *Config) { c.ElectionTick = maxTick }, ""},
		{"election past its bound", func(c *Config) { c.ElectionTick = maxTick + 1 },
			fmt.Sprintf("election tick %d must be at most %d, so that twice it fits in an int", maxTick+1, maxTick)},
		{"election max int", func(c *Config) { c.ElectionTick = math.MaxInt },
			fmt.Sprintf("election tick %d must be at most %d, so that twice it fits in an int", math.MaxInt, maxTick)},
		{"storage nil", func(c *Config) { c.Storage = nil }, errStorage},
		{"inflight zero", func(c *Config) { c.MaxInflightMsgs = 0 }, errInflight},
		{"inflight negative", func(c *Config) { c.MaxInflightMsgs = -5 }, errInflight},
		{"inflight one", func(c *Config) { c.MaxInflightMsgs = 1 }, ""},
		{"inflight bytes below msg size", func(c *Config) { c.MaxInflightBytes, c.MaxSizePerMsg = 100, 101 }, errInflightB},
		{"inflight bytes equal msg size", func(c *Config) { c.MaxInflightBytes, c.MaxSizePerMsg = 100, 100 }, ""},
		{"inflight bytes unset, msg size unlimited", func(c *Config) { c.MaxInflightBytes, c.MaxSizePerMsg = 0, math.MaxUint64 }, ""},
		{"inflight bytes set, msg size unlimited", func(c *Config) { c.MaxInflightBytes, c.MaxSizePerMsg = 1<<30, math.MaxUint64 }, errInflightB},
		{"msg size zero", func(c *Config) { c.MaxSizePerMsg = 0 }, ""},
		{"lease based without check quorum", func(c *Config) { c.ReadOnlyOption = ReadOnlyLeaseBased }, errLeaseBased},
		{"lease based with check quorum", func(c *Config) { c.ReadOnlyOption, c.CheckQuorum = ReadOnlyLeaseBased, true }, ""},
		{"read only option unknown", func(c *Config) { c.ReadOnlyOption = 2 },
			"ReadOnlyOption 2 is unknown: it must be ReadOnlySafe or ReadOnlyLeaseBased"},
		{"read only option negative", func(c *Config) { c.ReadOnlyOption, c.CheckQuorum = -1, true },
			"ReadOnlyOption -1 is unknown: it must be ReadOnlySafe or ReadOnlyLeaseBased"},
		// Several rules broken: the first in v3.6's order wins.
		{"id and storage", func(c *Config) { c.ID, c.Storage = None, nil }, errNoneID},
		{"heartbeat and storage", func(c *Config) { c.HeartbeatTick, c.Storage = 0, nil }, errHeartbeat},
		{"storage and inflight", func(c *Config) { c.Storage, c.MaxInflightMsgs = nil, 0 }, errStorage},
		{"inflight bytes and lease", func(c *Config) { c.MaxInflightBytes, c.ReadOnlyOption = 1, ReadOnlyLeaseBased }, errInflightB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.change(c)
			// Config holds values and references only, so a struct copy
			// captures everything validate could change.
			before := *c
			err := c.validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("validate() = %q, want nil", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("validate() = nil, want %q", tt.wantErr)
			case err != nil && err.Error() != tt.wantErr:
				t.Errorf("validate() = %q, want %q", err, tt.wantErr)
			}
			if !reflect.DeepEqual(before, *c) {
				t.Errorf("validate modified the Config:\nbefore %+v\nafter  %+v", before, *c)
			}
		})
	}
}

func TestConfigValidateNil(t *testing.T) {
	var c *Config
	if err := c.validate(); err == nil || err.Error() != "config is nil" {
		t.Errorf("validate() on nil = %v, want \"config is nil\"", err)
	}
}

// v3.6's validate filled in defaults on the caller's Config; here the zero
// values must survive validation.
func TestConfigValidateLeavesDefaultsUnset(t *testing.T) {
	c := validConfig()
	c.MaxSizePerMsg = 0
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if c.MaxUncommittedEntriesSize != 0 || c.MaxCommittedSizePerReady != 0 ||
		c.MaxInflightBytes != 0 || c.Logger != nil || c.RandSeed != 0 {
		t.Errorf("validate filled in defaults: %+v", *c)
	}
}

func TestConfigWithDefaults(t *testing.T) {
	appLogger := &DefaultLogger{Logger: log.New(io.Discard, "", 0)}
	tests := []struct {
		name   string
		change func(c *Config)
		want   func(c *Config) // applied to the input to get the expected result
	}{
		{
			name:   "zero values",
			change: func(c *Config) {},
			want: func(c *Config) {
				c.MaxUncommittedEntriesSize = math.MaxUint64
				c.MaxCommittedSizePerReady = 4096 // MaxSizePerMsg
				c.MaxInflightBytes = math.MaxUint64
				c.Logger = stderrLogger
				c.RandSeed = 0x910a2dec89025cc1 // SplitMix64 of ID 1
			},
		},
		{
			name:   "msg size and apply quota both zero",
			change: func(c *Config) { c.MaxSizePerMsg = 0 },
			want: func(c *Config) {
				c.MaxUncommittedEntriesSize = math.MaxUint64
				c.MaxCommittedSizePerReady = 1
				c.MaxInflightBytes = math.MaxUint64
				c.Logger = stderrLogger
				c.RandSeed = 0x910a2dec89025cc1
			},
		},
		{
			name: "explicit values kept",
			change: func(c *Config) {
				c.ID = 2
				c.MaxUncommittedEntriesSize = 7
				c.MaxCommittedSizePerReady = 8
				c.MaxInflightBytes = 1 << 20
				c.Logger = appLogger
				c.RandSeed = 42
			},
			want: func(c *Config) {},
		},
		{
			name:   "seed derived from another id",
			change: func(c *Config) { c.ID = 2; c.Logger = appLogger; c.MaxInflightBytes = 5000 },
			want: func(c *Config) {
				c.MaxUncommittedEntriesSize = math.MaxUint64
				c.MaxCommittedSizePerReady = 4096
				c.RandSeed = 0x975835de1c9756ce // SplitMix64 of ID 2
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.change(c)
			if err := c.validate(); err != nil {
				t.Fatal(err)
			}
			before := *c
			want := *c
			tt.want(&want)
			got := c.withDefaults()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("withDefaults:\ngot  %+v\nwant %+v", got, want)
			}
			if !reflect.DeepEqual(before, *c) {
				t.Errorf("withDefaults modified the Config:\nbefore %+v\nafter  %+v", before, *c)
			}
		})
	}
}

// A nil Logger takes the package logger current when the node is created.
func TestConfigWithDefaultsLogger(t *testing.T) {
	l := &DefaultLogger{Logger: log.New(io.Discard, "", 0)}
	SetLogger(l)
	defer ResetDefaultLogger()
	if got := validConfig().withDefaults().Logger; got != Logger(l) {
		t.Errorf("Logger = %v, want the one passed to SetLogger", got)
	}
}

// Every accepted Config must let committed entries be paged out for
// application: a zero quota would stall.
func TestConfigWithDefaultsApplyQuotaPositive(t *testing.T) {
	for _, msg := range []uint64{0, 1, 4096, math.MaxUint64} {
		for _, quota := range []uint64{0, 1, 4096} {
			c := validConfig()
			c.MaxSizePerMsg, c.MaxCommittedSizePerReady = msg, quota
			if err := c.validate(); err != nil {
				t.Fatal(err)
			}
			if got := c.withDefaults().MaxCommittedSizePerReady; got == 0 {
				t.Errorf("MaxSizePerMsg %d, MaxCommittedSizePerReady %d: quota defaults to 0", msg, quota)
			}
		}
	}
}

func TestSeedFromID(t *testing.T) {
	// The first outputs of SplitMix64 from these states, as published with
	// the reference implementation.
	for id, want := range map[uint64]uint64{
		0:       0xe220a8397b1dcdaf,
		1234567: 6457827717110365317,
	} {
		if got := seedFromID(id); got != want {
			t.Errorf("seedFromID(%d) = %#x, want %#x", id, got, want)
		}
	}
	seen := make(map[uint64]uint64)
	for id := uint64(1); id <= 1000; id++ {
		s := seedFromID(id)
		if prev, ok := seen[s]; ok {
			t.Fatalf("ids %d and %d share seed %#x", prev, id, s)
		}
		seen[s] = id
	}
}
