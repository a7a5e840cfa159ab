package admin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// historyLen is how many samples the charts get when a page opens: ten
// minutes at the default refresh.
const historyLen = 600

// hub feeds the live pages: while at least one is open, a goroutine
// builds a frame every refresh and hands it to each; with none open it
// stops, so an admin listener nobody looks at costs nothing.
type hub struct {
	src  Source
	cfg  *config
	info *info

	mu      sync.Mutex
	subs    map[*subscriber]struct{} // guarded by mu
	stop    chan struct{}            // guarded by mu; closed when the last page leaves
	history []sample                 // guarded by mu; oldest first, at most historyLen
}

// subscriber is one open page.
type subscriber struct {
	frames chan []byte // holds the newest frame not yet sent; buffered 1
}

func newHub(src Source, cfg *config, in *info) *hub {
	return &hub{src: src, cfg: cfg, info: in, subs: make(map[*subscriber]struct{})}
}

// hello is the first event a page gets: what does not change, and the
// samples its charts start from.
type hello struct {
	Info    info     `json:"info"`
	Refresh float64  `json:"refresh_seconds"`
	History []sample `json:"history"`
}

// subscribe adds a page, starting the ticker if it is the first, and
// returns what its hello event carries.
func (h *hub) subscribe(s *subscriber) hello {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) == 0 {
		h.stop = make(chan struct{})
		go h.tick(h.stop)
	}
	h.subs[s] = struct{}{}
	return hello{Info: h.info.now(), Refresh: h.cfg.refresh.Seconds(), History: append([]sample(nil), h.history...)}
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
	if len(h.subs) == 0 {
		close(h.stop)
	}
}

// tick builds and hands out a frame every refresh until stop closes.
func (h *hub) tick(stop chan struct{}) {
	t := time.NewTicker(h.cfg.refresh)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		f := newFrame(h.src, h.info)
		b, err := json.Marshal(f)
		if err != nil {
			continue
		}
		h.publish(f.Sample, b)
	}
}

// publish records a sample and hands its frame to every page; a page that
// has not taken the previous frame gets this one instead.
func (h *hub) publish(s sample, b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.history) == historyLen {
		copy(h.history, h.history[1:])
		h.history = h.history[:historyLen-1]
	}
	h.history = append(h.history, s)
	for sub := range h.subs {
		select {
		case <-sub.frames:
		default:
		}
		sub.frames <- b
	}
}

// serveEvents streams a page's updates as Server-Sent Events: a hello
// event, a frame at once, then a frame every refresh.
func (h *hub) serveEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	sub := &subscriber{frames: make(chan []byte, 1)}
	hi := h.subscribe(sub)
	defer h.unsubscribe(sub)
	first, err := json.Marshal(newFrame(h.src, h.info))
	if err != nil {
		return
	}
	helloJSON, _ := json.Marshal(hi)
	fmt.Fprintf(w, "retry: 2000\n\n")
	if writeEvent(w, "hello", helloJSON) != nil || writeEvent(w, "frame", first) != nil {
		return
	}
	flusher.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case b := <-sub.frames:
			if writeEvent(w, "frame", b) != nil {
				return
			}
			flusher.Flush()
		}
	}
}

// writeEvent writes one event; JSON has no newline, so one data line
// carries it.
func writeEvent(w io.Writer, name string, data []byte) error {
	_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
	return err
}
