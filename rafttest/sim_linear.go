package rafttest

import (
	"fmt"
	"os"
	"time"

	"github.com/anishathalye/porcupine"
)

// simLinearTimeout bounds porcupine's search over one run's history. The
// histories are short and split by key, so a timeout means something odd.
const simLinearTimeout = 20 * time.Second

// checkLinearizable checks the clients' history with porcupine, one key at
// a time. On failure it writes porcupine's visualization to a temp file
// and names it in the violation.
func (s *Sim) checkLinearizable() error {
	model := kvModel()
	history := s.clientHistory()
	res, info := porcupine.CheckOperationsVerbose(model, history, simLinearTimeout)
	if res == porcupine.Ok {
		return nil
	}
	what := "linearizability: the clients' history is not linearizable"
	if res == porcupine.Unknown {
		what = fmt.Sprintf("linearizability: porcupine gave no answer within %v", simLinearTimeout)
	}
	what += fmt.Sprintf(" (%d operations)", len(history))
	f, err := os.CreateTemp("", fmt.Sprintf("tickraft-sim-seed%d-*.html", s.opts.Seed))
	if err != nil {
		return s.violation(fmt.Sprintf("%s; writing the visualization: %v", what, err))
	}
	defer f.Close()
	if err := porcupine.Visualize(model, info, f); err != nil {
		return s.violation(fmt.Sprintf("%s; writing the visualization: %v", what, err))
	}
	err = s.violation(fmt.Sprintf("%s; visualization: %s", what, f.Name()))
	err.(*Violation).Visualization = f.Name()
	return err
}
