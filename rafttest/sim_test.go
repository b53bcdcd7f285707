package rafttest

import (
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
)

var (
	simSeed     = flag.Uint64("sim.seed", 0, "run only this simulator seed")
	simSeeds    = flag.Int("sim.seeds", 40, "number of simulator seeds to sweep, from 1")
	simSteps    = flag.Int("sim.steps", 3000, "faulty steps per simulator seed")
	simTraceLen = flag.Int("sim.trace", 60, "events shown before a simulator failure")
	simChurn    = flag.Bool("sim.churn", false, "add membership changes to every seed, not only the even ones")
	simLease    = flag.Bool("sim.lease", false, "serve reads by lease on every seed with CheckQuorum, not about half of them")
	simStrand   = flag.Bool("sim.strand", false, "let half of the partitions strand the leader: links out cut, links in slow")
)

// TestSim sweeps seeds through the fault simulator; -sim.seed=N runs one.
func TestSim(t *testing.T) {
	seeds := make([]uint64, 0, *simSeeds)
	if *simSeed != 0 {
		seeds = append(seeds, *simSeed)
	} else {
		for i := 1; i <= *simSeeds; i++ {
			seeds = append(seeds, uint64(i))
		}
	}
	var total SimStats
	leaseSeeds, leaseOps, reuseSeeds := 0, 0, 0
	for _, seed := range seeds {
		sim := NewSim(SimOptions{Seed: seed, Steps: *simSteps, TraceLen: *simTraceLen, Churn: *simChurn || seed%2 == 0, LeaseReads: *simLease, Strand: *simStrand})
		if err := sim.Run(); err != nil {
			reportViolation(t, sim, err)
			continue
		}
		st := sim.Stats
		if sim.params.lease {
			leaseSeeds++
			leaseOps += st.ClientOps
		}
		if sim.params.reuse {
			reuseSeeds++
		}
		total.Steps += st.Steps
		total.Crashes += st.Crashes
		total.Snapshots += st.Snapshots
		total.Applied += st.Applied
		total.Proposed += st.Proposed
		total.ConfChanges += st.ConfChanges
		total.LeadersChecked += st.LeadersChecked
		total.Reads += st.Reads
		total.Reconfigured += st.Reconfigured
		total.ClientOps += st.ClientOps
		total.Retries += st.Retries
		total.Deduplicated += st.Deduplicated
		total.LivenessTicks = max(total.LivenessTicks, st.LivenessTicks)
		if testing.Verbose() {
			t.Logf("seed %d: %s\n  %+v", seed, sim.Params(), st)
		}
	}
	t.Logf("%d seeds, %d steps: %d proposals, %d applied, %d crashes, %d snapshots installed, %d conf changes (%d applications), %d leaders checked complete, %d reads; slowest recovery %d ticks; "+
		"clients: %d operations linearizable, %d retries, %d duplicate commands skipped; "+
		"lease reads on %d seeds, whose clients made %d of those operations; ReuseReadyBuffers on %d seeds",
		len(seeds), total.Steps, total.Proposed, total.Applied, total.Crashes, total.Snapshots,
		total.ConfChanges, total.Reconfigured, total.LeadersChecked, total.Reads, total.LivenessTicks,
		total.ClientOps, total.Retries, total.Deduplicated, leaseSeeds, leaseOps, reuseSeeds)
}

func reportViolation(t *testing.T, sim *Sim, err error) {
	t.Helper()
	var v *Violation
	if !errors.As(err, &v) {
		t.Fatalf("seed %d: %v", sim.opts.Seed, err)
	}
	t.Errorf("seed %d (%s) broke an invariant; reproduce with:\n%s\n%v", v.Seed, sim.Params(), v.Repro(), v)
}

// TestDeterministicSimulation runs seeds twice, with and without churn, and
// compares everything the runs can show.
func TestDeterministicSimulation(t *testing.T) {
	for _, churn := range []bool{false, true} {
		run := func() (SimStats, string) {
			sim := NewSim(SimOptions{Seed: 8, Steps: 1500, TraceLen: 200, Churn: churn})
			if err := sim.Run(); err != nil {
				t.Fatal(err)
			}
			return sim.Stats, sim.trace.String()
		}
		st1, tr1 := run()
		st2, tr2 := run()
		if st1 != st2 || tr1 != tr2 {
			t.Fatalf("seed 8 (churn %t) ran differently twice:\n%+v\n%+v\n--- trace 1\n%s--- trace 2\n%s", churn, st1, st2, tr1, tr2)
		}
	}
}

// TestInjectedBugsAreCaught breaks the simulator in known ways and
// requires the checker to notice within a small seed budget.
func TestInjectedBugsAreCaught(t *testing.T) {
	for _, tc := range []struct {
		bug   SimBug
		churn bool
		// noFloor leaves stale reads to porcupine alone.
		noFloor bool
		want    []string // a violation must name one of these invariants
	}{
		{BugLyingDisk, false, false, []string{"durable before acknowledged"}},
		{BugLyingDisk, true, false, []string{"durable before acknowledged"}},
		{BugForgetVote, false, false, []string{"election safety", "vote safety"}},
		{BugApplyUnstable, false, false, []string{"apply:", "state machine safety"}},
		{BugTruncateLog, false, false, []string{"leader completeness", "state machine safety", "committed entries"}},
		{BugStaleReads, false, false, []string{"read linearizability"}},
		{BugStaleReads, false, true, []string{"linearizability:"}},
	} {
		name := tc.bug.String()
		if tc.churn {
			name += "/churn"
		}
		if tc.noFloor {
			name += "/porcupine"
		}
		t.Run(name, func(t *testing.T) {
			for seed := uint64(1); seed <= 30; seed++ {
				sim := NewSim(SimOptions{Seed: seed, Steps: 2000, Bug: tc.bug, Churn: tc.churn, NoReadFloor: tc.noFloor})
				err := sim.Run()
				var v *Violation
				if !errors.As(err, &v) {
					continue
				}
				if v.Visualization != "" {
					checkVisualization(t, v.Visualization)
				}
				for _, w := range tc.want {
					if strings.HasPrefix(v.What, w) {
						t.Logf("seed %d caught it at step %d: %s", seed, v.Step, v.What)
						return
					}
				}
				t.Logf("seed %d: other violation: %s", seed, v.What)
			}
			t.Fatalf("no seed in 1..30 caught %s with %v", tc.bug, tc.want)
		})
	}
}

// checkVisualization requires porcupine's drawing of a failed history to
// exist, and removes it.
func checkVisualization(t *testing.T, path string) {
	t.Helper()
	html, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the visualization: %v", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "<html") {
		t.Fatalf("visualization %s is not an HTML page: %.200q", path, html)
	}
}
