package holdfast

import "net/http"

// Offload tells the server that the handler serving w is about to wait for
// something other than its own connection: an upstream server, a
// database, a lock. On the epoll engine, where handlers start on the event
// loop's own goroutine, the loop's other connections are then served by
// another goroutine at once, rather than after the engine's monitor finds
// the handler still running (about a millisecond later); the handler
// carries on as an ordinary goroutine. Elsewhere (the goroutine engine, a
// net/http server) it does nothing.
//
// It is cheap, and meant to be called once per request, before the first
// wait; later calls do nothing. w may wrap the server's ResponseWriter if
// it has an Unwrap() http.ResponseWriter method, as for
// http.ResponseController.
func Offload(w http.ResponseWriter) {
	for {
		switch x := w.(type) {
		case *response:
			x.offload()
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return
		}
	}
}

// offloader is a wire that can hand its loop over before a handler waits.
type offloader interface{ offload() }

func (w *response) offload() {
	if w.over() || w.hijacked {
		return
	}
	if o, ok := w.c.ex.wire.(offloader); ok {
		o.offload()
	}
}
