package idle

import "time"

// Config is one idle test.
type Config struct {
	Addr        string        // server address
	PID         int           // server process to measure
	N           int           // connections to open
	Sources     string        // source addresses, see ParseSources
	Idle        time.Duration // window over which idle CPU is measured
	Settle      time.Duration // wait after opening, before reading RSS
	Concurrency int           // connections being opened at once
	Warm        int           // connections used once and closed before the baseline
	Timeout     time.Duration // per-connection dial+request
	TLS         bool          // HTTPS: a TLS handshake (certificate not checked) before the request
}

// Result is what cmd/idleconns prints as JSON and the harness reads.
type Result struct {
	N              int     `json:"n"`
	Opened         int     `json:"opened"`
	Failed         int     `json:"failed"`
	FirstError     string  `json:"first_error,omitempty"`
	OpenSeconds    float64 `json:"open_seconds"`
	RSSBeforeKiB   int64   `json:"rss_before_kib"`
	RSSAfterKiB    int64   `json:"rss_after_kib"`
	RSSPerConnKiB  float64 `json:"rss_per_conn_kib"` // (after-before)/opened
	FDsBefore      int     `json:"server_fds_before"`
	FDsAfter       int     `json:"server_fds_after"`
	IdleSeconds    float64 `json:"idle_seconds"`
	IdleCPUTicks   uint64  `json:"idle_cpu_ticks"`
	IdleCPUms      float64 `json:"idle_cpu_ms"`
	ClosedByServer int     `json:"closed_by_server"` // found closed (or with stray data) after the idle wait
	ClientNoFile   uint64  `json:"client_nofile"`
}
