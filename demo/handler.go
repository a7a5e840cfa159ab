package demo

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
)

// Handler serves the demo site for a server that keeps its connections:
// New(Config{ConnID: connID}).
func Handler(connID func(r *http.Request) (id uint64, ok bool)) http.Handler {
	return New(Config{ConnID: connID})
}

// Config says what the site needs to know of the server behind it.
type Config struct {
	// ConnID reports which connection carried a request (the server puts
	// it in the request context); ok=false if unknown. nil knows no
	// connection.
	ConnID func(r *http.Request) (id uint64, ok bool)

	// ShortConnections says the server closes every HTTP/1.x connection
	// after one response (holdfast serve --no-keepalive), so that the
	// page says so instead of promising kept connections.
	ShortConnections bool
}

// New returns the demo site.
//
// Routes: "/" and "/index.html" (the page), "/demo/css/…", "/demo/js/…" and
// "/demo/img/…" (its sub-resources) and "/demo/report?load=ID". Other paths
// are 404; methods other than GET and HEAD are 405. Every response carries
// Cache-Control: no-store, so that a reload fetches everything again.
func New(cfg Config) http.Handler {
	s, err := newSite(cfg.ConnID, maxLoads, maxEntriesPerLoad)
	if err != nil {
		// The assets are embedded: failing to parse them is a build defect.
		panic(err)
	}
	s.short = cfg.ShortConnections
	return s
}

// site is the demo's http.Handler.
type site struct {
	connID func(*http.Request) (uint64, bool) // read-only
	short  bool                               // read-only: Config.ShortConnections
	assets *catalog                           // read-only
	loads  *store
}

func newSite(connID func(*http.Request) (uint64, bool), loads, entries int) (*site, error) {
	c, err := newCatalog()
	if err != nil {
		return nil, err
	}
	return &site{connID: connID, assets: c, loads: newStore(loads, entries)}, nil
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	serve := s.route(r.URL.Path)
	if serve == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	serve(w, r)
}

// route picks the handler for a path; nil means 404.
func (s *site) route(path string) http.HandlerFunc {
	switch path {
	case "/", "/index.html":
		return s.servePage
	case "/demo/report":
		return s.serveReport
	}
	if res, ok := s.assets.byPath[path]; ok {
		return func(w http.ResponseWriter, r *http.Request) { s.serveAsset(w, r, res) }
	}
	return nil
}

func (s *site) conn(r *http.Request) connRef {
	if s.connID == nil {
		return connRef{}
	}
	id, ok := s.connID(r)
	return connRef{id: id, ok: ok}
}

// pageData is what assets/index.html is executed with.
type pageData struct {
	Load        string
	Mode        mode     // how this page reached the browser
	Compared    []mode   // the side-by-side table's rows
	Stylesheets []string // URLs, load ID included
	Scripts     []string
	Tiles       []pageTile
	Counts      struct{ Sheets, Scripts, Images, All int }
}

type pageTile struct {
	tile
	URL string
}

func (s *site) servePage(w http.ResponseWriter, r *http.Request) {
	load := newLoadID()
	var b bytes.Buffer
	d := s.pageData(load)
	d.Mode = modeOf(r, s.short)
	d.Compared = comparedModes(d.Mode.TLS)
	if err := s.assets.page.Execute(&b, d); err != nil {
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	s.loads.begin(load, s.conn(r))
	write(w, r, http.StatusOK, "text/html; charset=utf-8", b.Bytes())
}

func (s *site) pageData(load string) pageData {
	withLoad := func(path string) string { return path + "?load=" + load }
	d := pageData{Load: load}
	for _, p := range s.assets.stylesheets {
		d.Stylesheets = append(d.Stylesheets, withLoad(p))
	}
	for _, p := range s.assets.scripts {
		d.Scripts = append(d.Scripts, withLoad(p))
	}
	for _, t := range s.assets.tiles {
		d.Tiles = append(d.Tiles, pageTile{tile: t, URL: withLoad(t.Path)})
	}
	d.Counts.Sheets, d.Counts.Scripts, d.Counts.Images = len(d.Stylesheets), len(d.Scripts), len(d.Tiles)
	d.Counts.All = d.Counts.Sheets + d.Counts.Scripts + d.Counts.Images
	return d
}

func (s *site) serveAsset(w http.ResponseWriter, r *http.Request, res *resource) {
	if load := r.URL.Query().Get("load"); load != "" {
		s.loads.record(load, s.conn(r), res.path)
	}
	write(w, r, http.StatusOK, res.ctype, res.body)
}

func (s *site) serveReport(w http.ResponseWriter, r *http.Request) {
	load := r.URL.Query().Get("load")
	if load == "" {
		writeJSON(w, r, http.StatusBadRequest, map[string]string{"error": errMissingLoad.Error()})
		return
	}
	page, entries, dropped, ok := s.loads.snapshot(load)
	if !ok {
		writeJSON(w, r, http.StatusNotFound, map[string]string{"error": errUnknownLoad.Error(), "load": load})
		return
	}
	rep := buildReport(load, page, s.conn(r), entries, dropped)
	rep.Protocol, rep.Mode = r.Proto, modeOf(r, s.short).Key
	writeJSON(w, r, http.StatusOK, rep)
}

// newLoadID is 8 random bytes in hex: unguessable enough that one visitor's
// report is not another's by accident.
func newLoadID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b[:])
}

// write sends a complete body with its length, and only the headers for HEAD.
func write(w http.ResponseWriter, r *http.Request, status int, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	write(w, r, status, "application/json", append(body, '\n'))
}
