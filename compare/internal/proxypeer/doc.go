// Package proxypeer knows the reverse proxies holdfast's proxy is compared
// with: nginx (proxy_pass to an upstream block with keepalive), HAProxy
// (http-reuse safe), Caddy (reverse_proxy), net/http's
// httputil.ReverseProxy and holdfast's proxy (both in cmd/peer). For each
// it writes a configuration that passes every request to one upstream,
// keeps client connections as long as a benchmark runs, and keeps
// upstream connections warm, and returns the command line that runs it in
// the foreground. cmd/harness measures them with wrk; cmd/proxybench runs
// the reuse race and the reuse ratio through them.
package proxypeer
