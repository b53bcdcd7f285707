package rafttest

import (
	"strings"
	"testing"
)

func TestCaptureLoggerLevels(t *testing.T) {
	var out strings.Builder
	l := &captureLogger{out: &out, level: LevelWarn}
	l.Debugf("d%d", 1)
	l.Info("i")
	l.Warningf("w%s", "x")
	l.Error("e\n")
	want := "WARN wx\nERROR e\n"
	if got := out.String(); got != want {
		t.Fatalf("at WARN got %q, want %q", got, want)
	}
	out.Reset()
	l.level = LevelNone
	l.Error("e")
	if got := out.String(); got != "" {
		t.Fatalf("at NONE got %q, want nothing", got)
	}
	l.level = LevelDebug
	l.Debug("a", "b")
	if got, want := out.String(), "DEBUG ab\n"; got != want {
		t.Fatalf("at DEBUG got %q, want %q", got, want)
	}
}

func TestCaptureLoggerPanicsAtAnyLevel(t *testing.T) {
	l := &captureLogger{out: &strings.Builder{}, level: LevelNone}
	for name, f := range map[string]func(){
		"Fatalf": func() { l.Fatalf("boom %d", 1) },
		"Panic":  func() { l.Panic("boom") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestParseLogLevel(t *testing.T) {
	for s, want := range map[string]LogLevel{"debug": LevelDebug, "INFO": LevelInfo, "Warn": LevelWarn, "error": LevelError, "none": LevelNone} {
		got, err := ParseLogLevel(s)
		if err != nil || got != want {
			t.Errorf("ParseLogLevel(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := ParseLogLevel("loud"); err == nil {
		t.Error("ParseLogLevel(\"loud\") succeeded, want an error")
	}
}
