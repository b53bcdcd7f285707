package raft

import (
	"fmt"
	"log"
	"os"
	"sync/atomic"
)

// Logger is what raft logs through. Its method set is exactly v3.6's, so an
// application's existing logger adapters keep working.
//
// Panic and Panicf must panic and Fatal and Fatalf must not return: raft
// calls them on a broken local contract and does not continue afterwards.
type Logger interface {
	Debug(v ...interface{})
	Debugf(format string, v ...interface{})

	Error(v ...interface{})
	Errorf(format string, v ...interface{})

	Info(v ...interface{})
	Infof(format string, v ...interface{})

	Warning(v ...interface{})
	Warningf(format string, v ...interface{})

	Fatal(v ...interface{})
	Fatalf(format string, v ...interface{})

	Panic(v ...interface{})
	Panicf(format string, v ...interface{})
}

// DefaultLogger is a Logger over a standard library *log.Logger. Each line
// carries its level ("DEBUG", "INFO", "WARN", "ERROR", "FATAL", "PANIC")
// after the logger's prefix. Debug lines are dropped unless EnableDebug was
// called.
//
// A DefaultLogger may be built directly, as in v3.6:
//
//	l := &raft.DefaultLogger{Logger: log.New(w, "raft ", log.Lmsgprefix)}
type DefaultLogger struct {
	*log.Logger
	debug atomic.Bool
}

// newStderrLogger returns the logger a node gets when neither Config.Logger
// nor SetLogger says otherwise: standard error, timestamps, "raft" prefix.
func newStderrLogger() *DefaultLogger {
	return &DefaultLogger{Logger: log.New(os.Stderr, "raft ", log.LstdFlags|log.Lmsgprefix)}
}

// outputDepth makes log.Lshortfile report the caller of a DefaultLogger
// method, not the method itself.
const outputDepth = 3

// EnableTimestamps adds the date and time to every line.
func (l *DefaultLogger) EnableTimestamps() {
	l.SetFlags(l.Flags() | log.Ldate | log.Ltime)
}

// EnableDebug makes Debug and Debugf write their lines.
func (l *DefaultLogger) EnableDebug() { l.debug.Store(true) }

// Debug logs at level DEBUG if debugging is enabled.
func (l *DefaultLogger) Debug(v ...interface{}) {
	if l.debug.Load() {
		l.write("DEBUG", fmt.Sprint(v...))
	}
}

// Debugf logs at level DEBUG if debugging is enabled.
func (l *DefaultLogger) Debugf(format string, v ...interface{}) {
	if l.debug.Load() {
		l.write("DEBUG", fmt.Sprintf(format, v...))
	}
}

// Info logs at level INFO.
func (l *DefaultLogger) Info(v ...interface{}) { l.write("INFO", fmt.Sprint(v...)) }

// Infof logs at level INFO.
func (l *DefaultLogger) Infof(format string, v ...interface{}) {
	l.write("INFO", fmt.Sprintf(format, v...))
}

// Warning logs at level WARN.
func (l *DefaultLogger) Warning(v ...interface{}) { l.write("WARN", fmt.Sprint(v...)) }

// Warningf logs at level WARN.
func (l *DefaultLogger) Warningf(format string, v ...interface{}) {
	l.write("WARN", fmt.Sprintf(format, v...))
}

// Error logs at level ERROR.
func (l *DefaultLogger) Error(v ...interface{}) { l.write("ERROR", fmt.Sprint(v...)) }

// Errorf logs at level ERROR.
func (l *DefaultLogger) Errorf(format string, v ...interface{}) {
	l.write("ERROR", fmt.Sprintf(format, v...))
}

// Fatal logs at level FATAL and exits the process with status 1.
func (l *DefaultLogger) Fatal(v ...interface{}) {
	l.write("FATAL", fmt.Sprint(v...))
	os.Exit(1)
}

// Fatalf logs at level FATAL and exits the process with status 1.
func (l *DefaultLogger) Fatalf(format string, v ...interface{}) {
	l.write("FATAL", fmt.Sprintf(format, v...))
	os.Exit(1)
}

// Panic logs at level PANIC, then panics with the message (a string, as
// log.Logger.Panic does).
func (l *DefaultLogger) Panic(v ...interface{}) {
	msg := fmt.Sprint(v...)
	l.write("PANIC", msg)
	panic(msg)
}

// Panicf logs at level PANIC, then panics with the message.
func (l *DefaultLogger) Panicf(format string, v ...interface{}) {
	msg := fmt.Sprintf(format, v...)
	l.write("PANIC", msg)
	panic(msg)
}

func (l *DefaultLogger) write(level, msg string) {
	// Output's only error comes from the writer; a logger has nowhere to
	// report it.
	_ = l.Output(outputDepth, level+": "+msg)
}

// discardLogger drops every line. Panic and Fatal still stop the caller (a
// broken invariant must not go unnoticed); Fatal panics instead of exiting
// so that a test fails with the message rather than vanishing. It is meant
// for tests and benchmarks.
type discardLogger struct{}

func (discardLogger) Debug(...interface{})            {}
func (discardLogger) Debugf(string, ...interface{})   {}
func (discardLogger) Info(...interface{})             {}
func (discardLogger) Infof(string, ...interface{})    {}
func (discardLogger) Warning(...interface{})          {}
func (discardLogger) Warningf(string, ...interface{}) {}
func (discardLogger) Error(...interface{})            {}
func (discardLogger) Errorf(string, ...interface{})   {}

func (discardLogger) Fatal(v ...interface{}) { panic(fmt.Sprint(v...)) }
func (discardLogger) Fatalf(format string, v ...interface{}) {
	panic(fmt.Sprintf(format, v...))
}
func (discardLogger) Panic(v ...interface{}) { panic(fmt.Sprint(v...)) }
func (discardLogger) Panicf(format string, v ...interface{}) {
	panic(fmt.Sprintf(format, v...))
}

// The package-level logger exists only for compatibility with v3.6's
// SetLogger and ResetDefaultLogger. It is read in exactly one place: when a
// node is created with a nil Config.Logger, the current value is copied into
// the node. A node therefore never observes a later SetLogger, and logging
// never feeds back into the state machine's outputs, so the determinism
// promise holds. The atomic pointer makes SetLogger race-free against node
// creation on other goroutines.
var (
	stderrLogger  = newStderrLogger()
	packageLogger atomic.Pointer[loggerBox]
)

// loggerBox lets an interface value live behind an atomic.Pointer.
type loggerBox struct{ Logger }

// SetLogger sets the logger that nodes created afterwards with a nil
// Config.Logger use. Nodes already created keep theirs. SetLogger(nil)
// restores the default logger (v3.6 would instead crash on the next log
// line). Compatibility knob: prefer setting Config.Logger.
func SetLogger(l Logger) {
	if l == nil {
		packageLogger.Store(nil)
		return
	}
	packageLogger.Store(&loggerBox{l})
}

// ResetDefaultLogger restores the default logger, which writes to standard
// error, for nodes created afterwards with a nil Config.Logger.
// Compatibility knob, like SetLogger.
func ResetDefaultLogger() { packageLogger.Store(nil) }

// loggerForNewNode returns the logger to copy into a node created with a nil
// Config.Logger. It is the only reader of the package-level logger.
func loggerForNewNode() Logger {
	if b := packageLogger.Load(); b != nil {
		return b.Logger
	}
	return stderrLogger
}
