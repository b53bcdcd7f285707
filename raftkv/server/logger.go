package server

import (
	"fmt"
	"log/slog"
)

// raftLogger passes the raft core's warnings and errors to slog and drops
// its chatter (every election and append would otherwise be logged).
type raftLogger struct{ l *slog.Logger }

func (raftLogger) Debug(...interface{})          {}
func (raftLogger) Debugf(string, ...interface{}) {}
func (raftLogger) Info(...interface{})           {}
func (raftLogger) Infof(string, ...interface{})  {}
func (r raftLogger) Warning(v ...interface{})    { r.l.Warn("raft: " + fmt.Sprint(v...)) }
func (r raftLogger) Warningf(f string, v ...interface{}) {
	r.l.Warn("raft: " + fmt.Sprintf(f, v...))
}
func (r raftLogger) Error(v ...interface{}) { r.l.Error("raft: " + fmt.Sprint(v...)) }
func (r raftLogger) Errorf(f string, v ...interface{}) {
	r.l.Error("raft: " + fmt.Sprintf(f, v...))
}
func (r raftLogger) Fatal(v ...interface{}) { panic("raft: " + fmt.Sprint(v...)) }
func (r raftLogger) Fatalf(f string, v ...interface{}) {
	panic("raft: " + fmt.Sprintf(f, v...))
}
func (r raftLogger) Panic(v ...interface{}) { panic("raft: " + fmt.Sprint(v...)) }
func (r raftLogger) Panicf(f string, v ...interface{}) {
	panic("raft: " + fmt.Sprintf(f, v...))
}
