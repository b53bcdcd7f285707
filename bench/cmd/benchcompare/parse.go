package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// results holds every measurement: workload -> library -> unit -> values,
// one value per run.
type results struct {
	order []string // workloads in order of first appearance
	data  map[string]map[string]map[string][]float64
	units map[string][]string // workload -> units in order of appearance
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads `go test -bench` output. A benchmark line is a name, an
// iteration count, then value-unit pairs. The name element lib=X or impl=X
// says the library; the remaining elements name the workload.
func parse(r io.Reader) (*results, error) {
	res := &results{data: map[string]map[string]map[string][]float64{}, units: map[string][]string{}}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // a benchmark's log output, not a result
		}
		if len(f)%2 != 0 {
			return nil, fmt.Errorf("line %d: odd number of fields after the iteration count: %q", line, sc.Text())
		}
		workload, lib, ok := splitName(f[0])
		if !ok {
			continue // not a side-by-side benchmark
		}
		for i := 2; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: value %q: %v", line, f[i], err)
			}
			res.add(workload, lib, f[i+1], v)
		}
	}
	return res, sc.Err()
}

// splitName turns BenchmarkA/lib=x/b-2 into ("A/b", "x").
func splitName(name string) (workload, lib string, ok bool) {
	name = procsSuffix.ReplaceAllString(strings.TrimPrefix(name, "Benchmark"), "")
	var rest []string
	for _, el := range strings.Split(name, "/") {
		if v, found := strings.CutPrefix(el, "lib="); found {
			lib = v
		} else if v, found := strings.CutPrefix(el, "impl="); found {
			lib = v
		} else {
			rest = append(rest, el)
		}
	}
	return strings.Join(rest, "/"), lib, lib != ""
}

func (res *results) add(workload, lib, unit string, v float64) {
	byLib, ok := res.data[workload]
	if !ok {
		byLib = map[string]map[string][]float64{}
		res.data[workload] = byLib
		res.order = append(res.order, workload)
	}
	if byLib[lib] == nil {
		byLib[lib] = map[string][]float64{}
	}
	byLib[lib][unit] = append(byLib[lib][unit], v)
	if !slices.Contains(res.units[workload], unit) {
		res.units[workload] = append(res.units[workload], unit)
	}
}

// median of the values, or NaN-free "missing" reported by ok.
func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}
