package main

import (
	"net/http"
	"net/http/pprof"
)

// registerPprof serves Go's profiler under /debug/pprof/ (--pprof). It is
// off by default: a profile costs the member CPU while it is taken and
// shows its internals to anyone who can reach the metrics address.
func registerPprof(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}
