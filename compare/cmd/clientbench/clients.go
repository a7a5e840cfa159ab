package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/valyala/fasthttp"

	"holdfast/client"
)

// helloBody is what nginx answers; every client checks it.
var helloBody = []byte("Hello, World!")

// candidate is one client under test: newCaller makes the request function of
// one of the concurrent callers (each owns its request and buffers), and
// closeIdle shuts the pool down at the end.
type candidate struct {
	newCaller func() func() error
	closeIdle func()
	stats     func() string // a line about the client's connections, or ""
}

// newClient builds the named client for GETs of target by callers
// goroutines. fresh builds a new request for every call.
func newClient(name, target string, callers int, fresh bool) (candidate, error) {
	switch name {
	case cHoldfast:
		tr := &client.Transport{}
		return candidate{
			newCaller: func() func() error { return httpCaller(&http.Client{Transport: tr}, target, fresh) },
			closeIdle: tr.CloseIdleConnections,
			stats: func() string {
				s := tr.Stats()
				return fmt.Sprintf("dials %d, reuses %d, waits %d", s.Dials, s.Reuses, s.Waits)
			},
		}, nil
	case cNetHTTP:
		// DisableCompression: holdfast never asks for gzip either, so both
		// send the same request; the rest is net/http's default Transport
		// but for the idle pool, which must hold every caller's connection.
		tr := &http.Transport{MaxIdleConnsPerHost: callers, DisableCompression: true}
		return candidate{
			newCaller: func() func() error { return httpCaller(&http.Client{Transport: tr}, target, fresh) },
			closeIdle: tr.CloseIdleConnections,
			stats:     func() string { return "" },
		}, nil
	case cFastHTTP:
		u, err := url.Parse(target)
		if err != nil {
			return candidate{}, err
		}
		hc := &fasthttp.HostClient{Addr: u.Host, MaxConns: callers}
		return candidate{
			newCaller: func() func() error { return fastCaller(hc, target, fresh) },
			closeIdle: hc.CloseIdleConnections,
			stats:     func() string { return fmt.Sprintf("conns %d", hc.ConnsCount()) },
		}, nil
	}
	return candidate{}, fmt.Errorf("unknown client %q", name)
}

// httpCaller does one GET through c: the same code for holdfast and
// net/http, so that the difference is the Transport's. The body is read to
// the end into a buffer the caller owns, then closed, as a careful caller
// does.
func httpCaller(c *http.Client, target string, fresh bool) func() error {
	req, err := http.NewRequest("GET", target, nil)
	buf := make([]byte, 4<<10)
	return func() error {
		if err != nil {
			return err
		}
		r := req
		if fresh {
			if r, err = http.NewRequest("GET", target, nil); err != nil {
				return err
			}
		}
		resp, err := c.Do(r)
		if err != nil {
			return err
		}
		n, rerr := readFull(resp.Body, buf)
		resp.Body.Close()
		return checkResponse(resp.StatusCode, buf[:n], rerr)
	}
}

// readFull reads r to EOF into buf; a body larger than buf is an error.
func readFull(r io.Reader, buf []byte) (int, error) {
	n := 0
	for {
		if n == len(buf) {
			return n, errors.New("body larger than the buffer")
		}
		k, err := r.Read(buf[n:])
		n += k
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func checkResponse(status int, body []byte, err error) error {
	switch {
	case err != nil:
		return fmt.Errorf("reading body: %w", err)
	case status != 200 || !bytes.Equal(body, helloBody):
		return fmt.Errorf("got %d %q, want 200 %q", status, body, helloBody)
	}
	return nil
}

// fastCaller does one GET through fasthttp's HostClient, with the request
// and response objects the caller owns, as fasthttp's users do.
func fastCaller(hc *fasthttp.HostClient, target string, fresh bool) func() error {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI(target)
	return func() error {
		if fresh {
			req.Reset()
			req.SetRequestURI(target)
		}
		if err := hc.Do(req, resp); err != nil {
			return err
		}
		return checkResponse(resp.StatusCode(), resp.Body(), nil)
	}
}
