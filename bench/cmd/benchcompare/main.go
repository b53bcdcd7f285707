// Command benchcompare runs the bench module's side-by-side benchmarks on
// tickraft and go.etcd.io/raft v3.6.0, alternating the two libraries round
// by round so that drift in the machine's speed hits both alike, and prints
// one Markdown table of medians.
//
// Run it from the bench module:
//
//	go run ./cmd/benchcompare [-count 5] [-benchtime 300ms] [-bench regexp]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// libs in the order each round runs them.
var libs = []string{"tickraft", "etcd"}

func main() {
	count := flag.Int("count", 5, "rounds; each runs every benchmark once per library")
	benchtime := flag.String("benchtime", "300ms", "passed to -test.benchtime")
	bench := flag.String("bench", ".", "regexp selecting top-level benchmarks")
	raw := flag.String("raw", "", "also write the raw benchmark output to this file")
	flag.Parse()
	if *count < 1 {
		fatalf("-count must be at least 1, got %d", *count)
	}
	out, err := run(*count, *benchtime, *bench)
	if *raw != "" {
		if werr := os.WriteFile(*raw, out, 0o644); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		fatalf("%v", err)
	}
	res, err := parse(bytes.NewReader(out))
	if err != nil {
		fatalf("parsing the benchmark output: %v", err)
	}
	if len(res.order) == 0 {
		fatalf("no benchmark matched %q", *bench)
	}
	if err := res.table(os.Stdout, libs[0], libs[1]); err != nil {
		fatalf("%v", err)
	}
}

// run builds the test binary once, then runs it count rounds; each round
// runs every selected benchmark for one library and then the other.
func run(count int, benchtime, bench string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "benchcompare")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bench.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("building the benchmarks (run from the bench module): %w", err)
	}
	var out bytes.Buffer
	for round := 1; round <= count; round++ {
		for _, lib := range libs {
			fmt.Fprintf(os.Stderr, "round %d/%d: %s\n", round, count, lib)
			for _, pat := range patterns(bench, lib) {
				cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", pat,
					"-test.benchmem", "-test.count", "1", "-test.benchtime", benchtime)
				cmd.Stdout = io.MultiWriter(&out, os.Stderr)
				cmd.Stderr = os.Stderr
				if err := cmd.Run(); err != nil {
					return out.Bytes(), fmt.Errorf("round %d, %s, -bench %s: %w", round, lib, pat, err)
				}
			}
		}
	}
	return out.Bytes(), nil
}

// patterns select one library's sub-benchmarks: lib=NAME right below the
// top level, and impl=NAME three levels down (BenchmarkCodec).
func patterns(bench, lib string) []string {
	return []string{
		bench + "/^lib=" + lib + "$",
		bench + "/.*/.*/^impl=" + lib + "$",
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchcompare: "+format+"\n", args...)
	os.Exit(1)
}
