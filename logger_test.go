package raft

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"runtime"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	_ Logger = (*DefaultLogger)(nil)
	_ Logger = discardLogger{}
)

// TestLoggerMethodSet guards the drop-in promise: applications implement
// Logger, so its method set must stay exactly v3.6's.
func TestLoggerMethodSet(t *testing.T) {
	var want []string
	for _, name := range []string{"Debug", "Error", "Fatal", "Info", "Panic", "Warning"} {
		want = append(want,
			name+" func(...interface {})",
			name+"f func(string, ...interface {})")
	}
	if diff := cmp.Diff(want, methodSignatures(reflect.TypeFor[Logger]())); diff != "" {
		t.Errorf("Logger method set (-want +got):\n%s", diff)
	}
}

// newBufferLogger returns a DefaultLogger built the v3.6 way, writing to a
// buffer with the default logger's prefix and no timestamps.
func newBufferLogger() (*DefaultLogger, *bytes.Buffer) {
	var buf bytes.Buffer
	return &DefaultLogger{Logger: log.New(&buf, "raft ", log.Lmsgprefix)}, &buf
}

func TestDefaultLoggerLevels(t *testing.T) {
	l, buf := newBufferLogger()
	l.Debug("hidden")
	l.Debugf("hidden %d", 1)
	l.Info("a", "b") // fmt.Sprint puts no space between strings
	l.Infof("applied %d", 7)
	l.Warning(1, 2) // ... but does between two non-strings
	l.Warningf("slow %s", "disk")
	l.Error("lost")
	l.Errorf("term %d < %d", 2, 3)
	l.EnableDebug()
	l.Debug("shown")
	l.Debugf("shown %v", true)
	want := "raft INFO: ab\n" +
		"raft INFO: applied 7\n" +
		"raft WARN: 1 2\n" +
		"raft WARN: slow disk\n" +
		"raft ERROR: lost\n" +
		"raft ERROR: term 2 < 3\n" +
		"raft DEBUG: shown\n" +
		"raft DEBUG: shown true\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestDefaultLoggerPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(l *DefaultLogger)
		want string
	}{
		{"Panic", func(l *DefaultLogger) { l.Panic("index ", 7, " lost") }, "index 7 lost"},
		{"Panicf", func(l *DefaultLogger) { l.Panicf("index %d lost", 7) }, "index 7 lost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, buf := newBufferLogger()
			var recovered any
			func() {
				defer func() { recovered = recover() }()
				tc.call(l)
			}()
			if recovered != tc.want {
				t.Errorf("panicked with %#v, want the string %q", recovered, tc.want)
			}
			if got, want := buf.String(), "raft PANIC: "+tc.want+"\n"; got != want {
				t.Errorf("output %q, want %q", got, want)
			}
		})
	}
}

func TestDefaultLoggerEnableTimestamps(t *testing.T) {
	l, buf := newBufferLogger()
	l.EnableTimestamps()
	if got, want := l.Flags(), log.Ldate|log.Ltime|log.Lmsgprefix; got != want {
		t.Errorf("flags = %b, want %b", got, want)
	}
	l.Info("hi")
	// The time itself is not asserted, only the line's shape.
	if re := regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d raft INFO: hi\n$`); !re.MatchString(buf.String()) {
		t.Errorf("output %q does not match %s", buf.String(), re)
	}
}

// TestDefaultLoggerReportsCaller checks that log.Lshortfile names the code
// that called the logger, not logger.go.
func TestDefaultLoggerReportsCaller(t *testing.T) {
	l, buf := newBufferLogger()
	l.SetFlags(log.Lshortfile | log.Lmsgprefix)
	l.EnableDebug()
	logAll := []func(){
		func() { l.Debug("m") }, func() { l.Debugf("m") },
		func() { l.Info("m") }, func() { l.Infof("m") },
		func() { l.Warning("m") }, func() { l.Warningf("m") },
		func() { l.Error("m") }, func() { l.Errorf("m") },
	}
	for _, logOne := range logAll {
		buf.Reset()
		logOne()
		fn := runtime.FuncForPC(reflect.ValueOf(logOne).Pointer())
		_, line := fn.FileLine(fn.Entry())
		if want := fmt.Sprintf("logger_test.go:%d: raft ", line); !bytes.HasPrefix(buf.Bytes(), []byte(want)) {
			t.Errorf("output %q, want it to start with %q", buf.String(), want)
		}
	}
}

func TestStderrLogger(t *testing.T) {
	l := newStderrLogger()
	if l.Writer() != os.Stderr || l.Prefix() != "raft " || l.Flags() != log.LstdFlags|log.Lmsgprefix {
		t.Errorf("default logger writes to %v with prefix %q and flags %b; want stderr, %q, %b",
			l.Writer(), l.Prefix(), l.Flags(), "raft ", log.LstdFlags|log.Lmsgprefix)
	}
	if l.debug.Load() {
		t.Error("the default logger has debugging enabled")
	}
}

// fatalChildEnv makes the test binary, run again as a child process, call
// the Fatal method it names; the parent checks the child's exit and output.
// Fatal is never called in the test process itself.
const fatalChildEnv = "TICKRAFT_TEST_FATAL_CHILD"

func TestDefaultLoggerFatalExits(t *testing.T) {
	if method := os.Getenv(fatalChildEnv); method != "" {
		l := &DefaultLogger{Logger: log.New(os.Stderr, "raft ", log.Lmsgprefix)}
		if method == "Fatal" {
			l.Fatal("disk ", "lost")
		}
		l.Fatalf("disk %s", "lost")
		return // not reached: the parent sees exit status 0 and fails
	}
	for _, method := range []string{"Fatal", "Fatalf"} {
		t.Run(method, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestDefaultLoggerFatalExits$")
			cmd.Env = append(os.Environ(), fatalChildEnv+"="+method)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("child ended with %v, want exit status 1", err)
			}
			if got, want := stderr.String(), "raft FATAL: disk lost\n"; got != want {
				t.Errorf("child wrote %q, want %q", got, want)
			}
		})
	}
}

func TestDiscardLogger(t *testing.T) {
	var l discardLogger
	quiet := map[string]func(){
		"Debug": func() { l.Debug("m") }, "Debugf": func() { l.Debugf("m") },
		"Info": func() { l.Info("m") }, "Infof": func() { l.Infof("m") },
		"Warning": func() { l.Warning("m") }, "Warningf": func() { l.Warningf("m") },
		"Error": func() { l.Error("m") }, "Errorf": func() { l.Errorf("m") },
	}
	for name, call := range quiet {
		if msg := recoverPanic(call); msg != "" {
			t.Errorf("%s panicked: %s", name, msg)
		}
	}
	stopping := map[string]func(){
		"Panic":  func() { l.Panic("index ", 7) },
		"Panicf": func() { l.Panicf("index %d", 7) },
		"Fatal":  func() { l.Fatal("index ", 7) },
		"Fatalf": func() { l.Fatalf("index %d", 7) },
	}
	for name, call := range stopping {
		if msg := recoverPanic(call); msg != "index 7" {
			t.Errorf("%s panicked with %q, want %q", name, msg, "index 7")
		}
	}
}

// TestSetLogger checks the compatibility knob: it decides what a node
// created afterwards gets, and nothing else.
func TestSetLogger(t *testing.T) {
	t.Cleanup(ResetDefaultLogger)
	if got := loggerForNewNode(); got != Logger(stderrLogger) {
		t.Fatalf("before SetLogger: %v, want the stderr logger", got)
	}
	custom, _ := newBufferLogger()
	SetLogger(custom)
	copied := loggerForNewNode() // what a node created now keeps
	if copied != Logger(custom) {
		t.Errorf("after SetLogger: %v, want the custom logger", copied)
	}
	SetLogger(discardLogger{})
	if got := loggerForNewNode(); got != Logger(discardLogger{}) {
		t.Errorf("after a second SetLogger: %v, want the discard logger", got)
	}
	if copied != Logger(custom) {
		t.Error("a logger already handed out changed")
	}
	SetLogger(nil)
	if got := loggerForNewNode(); got != Logger(stderrLogger) {
		t.Errorf("after SetLogger(nil): %v, want the stderr logger", got)
	}
	SetLogger(custom)
	ResetDefaultLogger()
	if got := loggerForNewNode(); got != Logger(stderrLogger) {
		t.Errorf("after ResetDefaultLogger: %v, want the stderr logger", got)
	}
}

// TestSetLoggerConcurrent runs SetLogger and ResetDefaultLogger against
// readers; -race reports any unsynchronized access.
func TestSetLoggerConcurrent(t *testing.T) {
	t.Cleanup(ResetDefaultLogger)
	custom, _ := newBufferLogger()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				if got := loggerForNewNode(); got != Logger(custom) && got != Logger(stderrLogger) {
					errs <- fmt.Errorf("read %v, want the custom or the stderr logger", got)
					return
				}
			}
		}()
	}
	for i := range 1000 {
		if i%2 == 0 {
			SetLogger(custom)
		} else {
			ResetDefaultLogger()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
