package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Run audits the server at cfg.URL. It returns an error, and no report,
// when the URL is wrong or the first request shows there is no HTTP/1.x
// server to audit; what the probes find wrong afterwards is in the Report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.fillDefaults()
	t, err := parseTarget(cfg.URL, cfg.Insecure)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	first, err := preflight(ctx, t, &cfg)
	if err != nil {
		return nil, err
	}
	rep := &Report{URL: cfg.URL, Server: first.Server, MaxWait: cfg.MaxWait, MaxRequestsBound: cfg.MaxRequests}
	rep.Persistence = make([]Variant, len(variants))
	var wg sync.WaitGroup
	for i, v := range variants {
		wg.Go(func() { rep.Persistence[i] = probeVariant(ctx, t, &cfg, v.name, v.opts) })
	}
	wg.Go(func() { rep.Pipelining = probePipelining(ctx, t, &cfg) })
	wg.Go(func() { rep.Idle = probeIdle(ctx, t, &cfg) })
	wg.Go(func() { rep.Requests = probeMaxRequests(ctx, t, &cfg) })
	wg.Go(func() { rep.Header = probeHeaderTimeout(ctx, t, &cfg) })
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.advertised(first)
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// insecureHint suggests --insecure for a certificate the system does not
// trust (a self-signed one).
func insecureHint(err error) string {
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		return " (--insecure skips the check)"
	}
	return ""
}

// preflight sends one plain request, so that a server that is missing or
// is not HTTP is reported as one clear error before any probe runs.
func preflight(ctx context.Context, t *target, cfg *Config) (*response, error) {
	c, err := t.dial(ctx, cfg.Timeout)
	var he *handshakeError
	switch {
	case errors.As(err, &he):
		return nil, fmt.Errorf("%w with %s: %v%s", ErrTLSHandshake, t.Addr, he.err, insecureHint(he.err))
	case err != nil:
		return nil, fmt.Errorf("%w to %s: %v", ErrUnreachable, t.Addr, rootCause(err))
	}
	defer c.close()
	resp, err := c.roundTrip(t.request(reqOpts{}), "GET", cfg.Timeout)
	if err == nil {
		return resp, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	got := c.in.Received()
	switch ev := classify(err); {
	case len(got) > 0 && (got[0] == 0x15 || got[0] == 0x16):
		// A TLS record (alert or handshake) in answer to plain text.
		return nil, fmt.Errorf("%w (%s)", ErrSpeaksTLS, t.Addr)
	case len(got) > 0 && ev != stillOpen:
		return nil, fmt.Errorf("%w: %s answered %s: %v", ErrNotHTTP, t.Addr, snippet(got), err)
	case ev == gotFIN:
		return nil, fmt.Errorf("%w: %s closed the connection without answering", ErrNotHTTP, t.Addr)
	case ev == gotRST:
		return nil, fmt.Errorf("%w: %s reset the connection without answering", ErrNotHTTP, t.Addr)
	case ev == stillOpen:
		return nil, fmt.Errorf("%w: %s sent no complete answer within %v", ErrNotHTTP, t.Addr, cfg.Timeout)
	}
	return nil, fmt.Errorf("%w: %s: %v", ErrNotHTTP, t.Addr, err)
}

// snippet quotes the first bytes a peer sent; they usually say what it is.
func snippet(b []byte) string {
	if len(b) > 32 {
		return strconv.Quote(string(b[:32])) + "..."
	}
	return strconv.Quote(string(b))
}

// rootCause keeps what a person acts on ("connection refused") from a
// dial error.
func rootCause(err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) {
		if errors.Is(se.Err, syscall.ECONNREFUSED) {
			return errors.New("connection refused (nothing listens there?)")
		}
		return se.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}
