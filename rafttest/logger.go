package rafttest

import (
	"fmt"
	"strings"

	"github.com/tickraft/raft"
)

// LogLevel orders the severities a captureLogger can print.
type LogLevel int

// Log levels, least severe first. LevelNone prints nothing.
const (
	LevelDebug LogLevel = iota
	LevelInfo
	LevelWarn
	LevelError
	LevelNone
)

var levelNames = [...]string{"DEBUG", "INFO", "WARN", "ERROR", "NONE"}

func (l LogLevel) String() string { return levelNames[l] }

// ParseLogLevel accepts a level name in any case.
func ParseLogLevel(s string) (LogLevel, error) {
	for i, name := range levelNames {
		if strings.EqualFold(s, name) {
			return LogLevel(i), nil
		}
	}
	return 0, fmt.Errorf("unknown log level %q (want debug, info, warn, error or none)", s)
}

// captureLogger is a raft.Logger that writes into the transcript being built,
// so a script shows log lines where they happen. Fatal and Panic always panic,
// whatever the level: a raft node that asked to stop must not keep running.
type captureLogger struct {
	out   *strings.Builder
	level LogLevel
}

var _ raft.Logger = (*captureLogger)(nil)

func (l *captureLogger) print(lvl LogLevel, msg string) {
	if lvl < l.level {
		return
	}
	fmt.Fprintf(l.out, "%s %s", lvl, msg)
	if !strings.HasSuffix(msg, "\n") {
		l.out.WriteByte('\n')
	}
}

func (l *captureLogger) Debug(v ...interface{}) { l.print(LevelDebug, fmt.Sprint(v...)) }
func (l *captureLogger) Debugf(format string, v ...interface{}) {
	l.print(LevelDebug, fmt.Sprintf(format, v...))
}
func (l *captureLogger) Info(v ...interface{}) { l.print(LevelInfo, fmt.Sprint(v...)) }
func (l *captureLogger) Infof(format string, v ...interface{}) {
	l.print(LevelInfo, fmt.Sprintf(format, v...))
}
func (l *captureLogger) Warning(v ...interface{}) { l.print(LevelWarn, fmt.Sprint(v...)) }
func (l *captureLogger) Warningf(format string, v ...interface{}) {
	l.print(LevelWarn, fmt.Sprintf(format, v...))
}
func (l *captureLogger) Error(v ...interface{}) { l.print(LevelError, fmt.Sprint(v...)) }
func (l *captureLogger) Errorf(format string, v ...interface{}) {
	l.print(LevelError, fmt.Sprintf(format, v...))
}
func (l *captureLogger) Fatal(v ...interface{}) { panic("FATAL " + fmt.Sprint(v...)) }
func (l *captureLogger) Fatalf(format string, v ...interface{}) {
	panic("FATAL " + fmt.Sprintf(format, v...))
}
func (l *captureLogger) Panic(v ...interface{}) { panic("PANIC " + fmt.Sprint(v...)) }
func (l *captureLogger) Panicf(format string, v ...interface{}) {
	panic("PANIC " + fmt.Sprintf(format, v...))
}
