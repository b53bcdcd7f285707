//go:build !unix

package bench

// processCPU is not available here; MultiGroup then reports no CPU time.
func processCPU() (int64, bool) { return 0, false }
