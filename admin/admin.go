package admin

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"sort"

	"holdfast"
)

// Source is what the admin pages describe; *holdfast.Server is one.
type Source interface {
	Stats() holdfast.Stats
	Connections() []holdfast.ConnInfo
}

//go:embed live.html
var livePage []byte

// Handler serves the admin endpoints for src.
func Handler(src Source) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, src.Stats())
	})
	mux.HandleFunc("GET /connections", func(w http.ResponseWriter, r *http.Request) {
		conns := src.Connections()
		sort.Slice(conns, func(i, j int) bool { return conns[i].ID < conns[j].ID })
		writeJSON(w, conns)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(livePage)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
