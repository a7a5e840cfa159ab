package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"holdfast"
	"holdfast/internal/config"
)

// liveListener is one listener of holdfast run as it serves: a server of
// its own (the policy is a server's), its socket, and what a reload may
// change while it serves: the routes, the policy, the certificate.
type liveListener struct {
	addr   net.Addr    // where it listens; set once started
	front  frontConfig // the settings in force; replaced by update, under the site's mu
	srv    *holdfast.Server
	served chan error                      // Serve's return
	routes atomic.Pointer[router]          // the routes in force; every request loads it
	cert   atomic.Pointer[tls.Certificate] // with tls-cert: the certificate files, read again at each reload
}

// startListener starts serving a listener of the plan with routes rt.
func startListener(lp *listenerPlan, rt *router, logs *serveLogs, log io.Writer) (*liveListener, error) {
	ll := &liveListener{front: lp.front, served: make(chan error, 1)}
	ll.routes.Store(rt)
	srv, err := newFrontServer(&ll.front, http.HandlerFunc(ll.serveHTTP))
	if err != nil {
		return nil, err
	}
	srv.ErrorLog, srv.AccessLog, srv.ConnectionLog = logs.errors, logs.access, logs.connections
	ll.srv = srv
	l, err := listenFront(&ll.front, srv, log)
	if err != nil {
		return nil, fmt.Errorf("listener %s: %w", lp.spec.Listen, err)
	}
	if ll.front.tlsCert != "" {
		ll.reloadableCertificate()
	}
	ll.addr = l.Addr()
	started := ll.front // update replaces ll.front while this serves
	go func() { ll.served <- serveListener(&started, srv, l) }()
	fmt.Fprintln(log, servingLine(count(len(lp.spec.Routes), "route"), &ll.front, srv, ll.addr))
	return ll, nil
}

// serveHTTP answers with the routes in force as the request arrives.
func (ll *liveListener) serveHTTP(w http.ResponseWriter, r *http.Request) {
	ll.routes.Load().ServeHTTP(w, r)
}

// reloadableCertificate makes the server's certificate the one in
// ll.cert, which update replaces.
func (ll *liveListener) reloadableCertificate() {
	cfg := ll.srv.TLSConfig
	ll.cert.Store(&cfg.Certificates[0])
	cfg.Certificates = nil // else a client without SNI would get the first one for good
	cfg.GetCertificate = ll.certificate
}

// certificate gives a handshake the certificate in force, refusing a
// name it is not for, as holdfast.Server does with certificate files.
func (ll *liveListener) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	cert := ll.cert.Load()
	if hello.ServerName == "" {
		return cert, nil
	}
	if err := hello.SupportsCertificate(cert); err != nil {
		return nil, err
	}
	if cert.Leaf != nil {
		if err := cert.Leaf.VerifyHostname(hello.ServerName); err != nil {
			return nil, fmt.Errorf("no certificate for %q: %w", hello.ServerName, err)
		}
	}
	return cert, nil
}

// fixedChange names the setting of lp that would change what a listener
// was started with and cannot change while it serves (its engine, its
// TLS or not, HTTP/2, the body limit), or "" when there is none.
func (ll *liveListener) fixedChange(lp *listenerPlan) string {
	was, now := &ll.front, &lp.front
	engine := func(cfg *frontConfig) holdfast.Engine { e, _ := holdfast.ParseEngine(cfg.engine); return e.Resolved() }
	switch {
	case engine(was) != engine(now):
		return "engine"
	case was.tlsSelfSigned != now.tlsSelfSigned:
		return "tls-self-signed"
	case (was.tlsCert == "") != (now.tlsCert == ""):
		return "tls-cert"
	case was.noH2 != now.noH2:
		return "no-h2"
	case was.maxBody != now.maxBody:
		return "max-body"
	}
	return ""
}

// update gives the listener a reload's routes, policy and certificate;
// connections open on it keep going and follow them from their next
// request.
func (ll *liveListener) update(lp *listenerPlan, rt *router) error {
	if ll.cert.Load() != nil {
		cert, err := tls.LoadX509KeyPair(lp.front.tlsCert, lp.front.tlsKey)
		if err != nil {
			return fmt.Errorf("listener %s: --tls-cert, --tls-key: %w", lp.spec.Listen, err)
		}
		if cert.Leaf == nil && len(cert.Certificate) > 0 {
			cert.Leaf, _ = x509.ParseCertificate(cert.Certificate[0])
		}
		ll.cert.Store(&cert)
	}
	ll.front = lp.front
	ll.routes.Store(rt)
	return ll.srv.SetPolicy(lp.front.resolvedPolicy())
}

// drain stops the listener: its socket closes, idle connections close,
// requests in flight finish within timeout; then it is closed for good.
func (ll *liveListener) drain(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := ll.srv.Shutdown(ctx)
	if err != nil {
		ll.srv.Close()
		err = fmt.Errorf("listener %s: drain: %w", ll.addr, err)
	}
	<-ll.served
	return err
}

// fixedSettingPos is where the file sets flag for the listener, or the
// listener's address when it no longer does.
func fixedSettingPos(spec *config.Listener, flag string) config.Pos {
	if s, ok := spec.Setting(flag); ok {
		return s.Pos
	}
	return spec.Pos
}
