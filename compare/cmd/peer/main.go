// Command peer runs one of the servers that holdfast is compared with, each
// answering every request with the same 13-byte text/plain body, keep-alive on
// and logging off, so that the only difference between runs is the server;
// or one of the Go reverse proxies compared with holdfast's, passing every
// request to an upstream.
//
//	peer -server {nethttp|fasthttp|nbio|holdfast} -addr 127.0.0.1:PORT [-tls-cert FILE -tls-key FILE]
//	peer -server {httputil|holdfast-proxy} -addr 127.0.0.1:PORT -upstream http://HOST:PORT
//
// The harness (../harness) starts it pinned to one CPU with GOMAXPROCS=1.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// helloBody is the whole response body every peer sends.
var helloBody = []byte("Hello, World!")

// options are the flags every server is started with.
type options struct {
	addr     string
	engine   string // holdfast and holdfast-proxy; passed through to holdfast.ParseEngine
	admin    string // holdfast only: the admin listener's address (/metrics)
	upstream string // the proxies only

	// HTTPS with this certificate and key (PEM files) when both are set;
	// holdfast and nethttp only.
	tlsCert, tlsKey string
}

// tls reports whether the server is to serve HTTPS.
func (o options) tls() bool { return o.tlsCert != "" }

// servers maps a -server name to its serve function; each server's file
// registers itself in init so that one built without a build tag (holdfast)
// simply is not listed.
var servers = map[string]func(options) error{}

// speaksTLS lists the servers that take -tls-cert.
var speaksTLS = map[string]bool{"holdfast": true, "nethttp": true}

func main() {
	var o options
	name := flag.String("server", "", "server to run: "+strings.Join(names(), ", "))
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	flag.StringVar(&o.engine, "engine", "", "holdfast engine name (holdfast and holdfast-proxy only)")
	flag.StringVar(&o.admin, "admin", "", "holdfast only: serve the admin listener (/metrics, live page) on this address")
	flag.StringVar(&o.upstream, "upstream", "", "upstream URL (httputil and holdfast-proxy only)")
	flag.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this certificate, PEM (holdfast and nethttp)")
	flag.StringVar(&o.tlsKey, "tls-key", "", "the key of -tls-cert, PEM")
	pprofAddr := flag.String("pprof-addr", "", "if set, serve net/http/pprof on this side address")
	flag.Parse()

	serve, ok := servers[*name]
	if !ok {
		fmt.Fprintf(os.Stderr, "peer: unknown -server %q (have: %s)\n", *name, strings.Join(names(), ", "))
		os.Exit(2)
	}
	if o.tls() && !speaksTLS[*name] {
		fmt.Fprintf(os.Stderr, "peer: -server %s is not run over TLS here (holdfast and nethttp are)\n", *name)
		os.Exit(2)
	}
	if *pprofAddr != "" {
		startPprof(*pprofAddr)
	}
	if err := serve(o); err != nil {
		fmt.Fprintf(os.Stderr, "peer %s: %v\n", *name, err)
		os.Exit(1)
	}
}

func names() []string {
	out := make([]string, 0, len(servers))
	for n := range servers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
