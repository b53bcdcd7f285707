package rafttest

import (
	"fmt"
	"strconv"

	"github.com/cockroachdb/datadriven"
)

// Commands take node IDs as bare numbers ("deliver-msgs 1 2") and options as
// key=value or bare flags ("add-nodes 3 prevote index=5").

// usageError marks a malformed command line. Handle fails the test on it
// instead of printing it, so a typo cannot be blessed into a transcript.
type usageError struct{ error }

func usagef(format string, v ...interface{}) error {
	return usageError{fmt.Errorf(format, v...)}
}

// args is a parsed argument list: bare numbers, flags and key=value options.
type args struct {
	ids    []uint64
	flags  map[string]bool
	values map[string][]string
	used   map[string]bool
}

func parseArgs(d datadriven.TestData) *args {
	a := &args{flags: map[string]bool{}, values: map[string][]string{}, used: map[string]bool{}}
	for _, arg := range d.CmdArgs {
		if len(arg.Vals) > 0 {
			a.values[arg.Key] = arg.Vals
			continue
		}
		if id, err := strconv.ParseUint(arg.Key, 10, 64); err == nil {
			a.ids = append(a.ids, id)
			continue
		}
		a.flags[arg.Key] = true
	}
	return a
}

// flag reports whether the bare flag name was given.
func (a *args) flag(name string) bool {
	a.used[name] = true
	return a.flags[name]
}

// str returns the single value of key, or def if key is absent.
func (a *args) str(key, def string) (string, error) {
	a.used[key] = true
	vals, ok := a.values[key]
	if !ok {
		return def, nil
	}
	if len(vals) != 1 {
		return "", usagef("%s takes one value, got %v", key, vals)
	}
	return vals[0], nil
}

// uint returns the single unsigned value of key, or def if key is absent.
func (a *args) uint(key string, def uint64) (uint64, error) {
	s, err := a.str(key, "")
	if err != nil || s == "" {
		return def, err
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, usagef("%s=%s is not an unsigned integer", key, s)
	}
	return v, nil
}

// uints returns the unsigned values of key ("voters=(1,2,3)"); nil if absent.
func (a *args) uints(key string) ([]uint64, error) {
	a.used[key] = true
	var out []uint64
	for _, s := range a.values[key] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, usagef("%s: %q is not an unsigned integer", key, s)
		}
		out = append(out, v)
	}
	return out, nil
}

// checkUsed fails on any flag or option the command did not ask about, so a
// misspelt option cannot silently do nothing.
func (a *args) checkUsed() error {
	for k := range a.flags {
		if !a.used[k] {
			return usagef("unknown flag %q", k)
		}
	}
	for k := range a.values {
		if !a.used[k] {
			return usagef("unknown option %q", k)
		}
	}
	return nil
}

// oneID returns the command's single node ID.
func (a *args) oneID() (uint64, error) {
	if len(a.ids) != 1 {
		return 0, usagef("want exactly one node ID, got %v", a.ids)
	}
	return a.ids[0], nil
}

// targets returns the command's node IDs, or every node if none was named.
func (env *InteractionEnv) targets(a *args) ([]*Node, error) {
	ids := a.ids
	if len(ids) == 0 {
		for i := range env.Nodes {
			ids = append(ids, uint64(i+1))
		}
	}
	nodes := make([]*Node, 0, len(ids))
	for _, id := range ids {
		n, err := env.node(id)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}
