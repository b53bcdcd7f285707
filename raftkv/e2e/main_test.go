package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// raftkvBin is the command built once for every test.
var raftkvBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "raftkv-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	raftkvBin = filepath.Join(dir, "raftkv")
	build := exec.Command("go", "build", "-o", raftkvBin, "../cmd/raftkv")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building raftkv: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
