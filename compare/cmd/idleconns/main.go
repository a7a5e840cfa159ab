// Command idleconns holds N idle keep-alive connections open to a server and
// measures, from outside the server's process, what they cost it: resident
// memory per connection, and CPU time while they all sit idle.
//
//	idleconns -addr 127.0.0.1:PORT -pid SERVER_PID -n 10000 -idle 10s
//
// Each connection makes one request first, so it is a real keep-alive
// connection that the server has parsed and answered, not a half-open accept.
// Connections come from several loopback source addresses so that 19,000 of
// them do not exhaust one address's ephemeral ports. It raises its own
// open-file limit to the hard limit. It prints one JSON object
// (internal/idle.Result) on stdout; the harness reads it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"holdfast/compare/internal/idle"
)

func main() {
	var c idle.Config
	flag.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "server address")
	flag.IntVar(&c.PID, "pid", 0, "server process id to measure (required)")
	flag.IntVar(&c.N, "n", 10000, "connections to open")
	flag.StringVar(&c.Sources, "sources", "127.0.0.2-127.0.0.9", "source addresses: a range a.b.c.X-a.b.c.Y or a comma list")
	flag.DurationVar(&c.Idle, "idle", 10*time.Second, "how long all connections sit idle while CPU is measured")
	flag.DurationVar(&c.Settle, "settle", time.Second, "wait after the last connection before reading RSS")
	flag.BoolVar(&c.TLS, "tls", false, "HTTPS: a TLS handshake (certificate not checked) before each connection's request")
	flag.IntVar(&c.Concurrency, "concurrency", 64, "connections being opened at once")
	flag.IntVar(&c.Warm, "warm", 64, "connections used once and closed before the memory baseline")
	flag.DurationVar(&c.Timeout, "timeout", 10*time.Second, "per-connection dial+request timeout")
	flag.Parse()
	if c.PID <= 0 {
		fatal(fmt.Errorf("-pid is required"))
	}
	r, err := idle.Run(c)
	if err != nil {
		fatal(err)
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "idleconns: %v\n", err)
	os.Exit(1)
}
