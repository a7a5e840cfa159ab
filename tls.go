package holdfast

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"time"
)

// TLS as both engines serve it: the listener's configuration, the ALPN
// choice between HTTP/1.1 and HTTP/2, and what a failed handshake says in
// the log. The engines run the handshake themselves (engine_goroutine.go,
// epoll_tls_linux.go); HTTP/2 connections are served by h2.go.

// ALPN protocol names.
const (
	protoH2    = "h2"
	protoHTTP1 = "http/1.1"
)

// serverTLS is what a TLS listener's connections are served with.
type serverTLS struct {
	config *tls.Config // read-only; handshakes run with it
}

// ListenAndServeTLS listens on s.Addr (":https" when empty) and serves TLS
// on it: see ServeTLS.
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	l, err := s.listenOn(":https")
	if err != nil {
		return err
	}
	return s.ServeTLS(l, certFile, keyFile)
}

// ServeTLS accepts connections on l and serves HTTPS on each, as Serve
// does HTTP. The certificate and its key are read from certFile and
// keyFile (PEM; the certificate file may hold the chain after the leaf),
// or, when both are empty, taken from s.TLSConfig (Certificates,
// GetCertificate or GetConfigForClient).
//
// Clients that ask for HTTP/2 with ALPN get it (unless s.HTTP2 is Off);
// the others get HTTP/1.1 with this package's keep-alive policy. A client
// that names (SNI) a server none of the certificates is for is refused,
// with the name in the log, rather than given a certificate for another
// name; s.TLSConfig's GetCertificate or GetConfigForClient, when set,
// choose instead. Plain HTTP sent to the port is answered 400.
func (s *Server) ServeTLS(l net.Listener, certFile, keyFile string) error {
	s.init()
	st, err := s.newServerTLS(certFile, keyFile)
	if err != nil {
		l.Close()
		return err
	}
	return s.serve(l, st)
}

// newServerTLS resolves the configuration handshakes run with: a clone of
// s.TLSConfig with the certificate files, the ALPN protocols, the
// server-name check and the engine's hook (configForClient).
func (s *Server) newServerTLS(certFile, keyFile string) (*serverTLS, error) {
	var cfg *tls.Config
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("holdfast: loading the TLS certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, ErrNoCertificate
	}
	cfg.NextProtos = s.nextProtos(cfg.NextProtos)
	if cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		certs := slices.Clone(cfg.Certificates)
		cfg.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return certificateFor(certs, hello.ServerName)
		}
	}
	cfg.GetConfigForClient = configForClient(cfg, cfg.GetConfigForClient)
	return &serverTLS{config: cfg}, nil
}

// nextProtos is the ALPN list offered: the configured one, with h2 first
// or left out as s.HTTP2 says, and http/1.1 always.
func (s *Server) nextProtos(configured []string) []string {
	protos := slices.DeleteFunc(slices.Clone(configured), func(p string) bool { return p == protoH2 })
	if s.HTTP2.or(true) {
		protos = append([]string{protoH2}, protos...)
	}
	if !slices.Contains(protos, protoHTTP1) {
		protos = append(protos, protoHTTP1)
	}
	return protos
}

// certificateFor picks the first certificate valid for name; with no name
// (a client that sent no SNI, or reached the server by IP address), the
// first one.
func certificateFor(certs []tls.Certificate, name string) (*tls.Certificate, error) {
	if name == "" {
		return &certs[0], nil
	}
	for i := range certs {
		leaf := certs[i].Leaf
		if leaf == nil && len(certs[i].Certificate) > 0 {
			leaf, _ = x509.ParseCertificate(certs[i].Certificate[0])
		}
		if leaf != nil && leaf.VerifyHostname(name) == nil {
			return &certs[i], nil
		}
	}
	return nil, &unknownNameError{name: name}
}

// unknownNameError is a handshake refused for want of a certificate.
type unknownNameError struct{ name string }

func (e *unknownNameError) Error() string {
	return fmt.Sprintf("no certificate for the server name %q", e.name)
}

// secretSink is a connection whose handshake wants the traffic secrets
// (the epoll engine's, see recordLayer): its handshake runs with a clone
// of the configuration whose KeyLogWriter hands them over, and passes them
// on to next, the configuration's own KeyLogWriter, when one is set.
type secretSink interface {
	keyLog(next io.Writer) io.Writer
}

// configForClient wraps the configuration's GetConfigForClient (own, nil
// when none) for secretSink connections.
func configForClient(base *tls.Config, own func(*tls.ClientHelloInfo) (*tls.Config, error)) func(*tls.ClientHelloInfo) (*tls.Config, error) {
	return func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		cfg := base
		if own != nil {
			chosen, err := own(hello)
			if err != nil {
				return nil, err
			}
			if chosen != nil {
				cfg = chosen
			}
		}
		sink, ok := hello.Conn.(secretSink)
		if !ok {
			if cfg == base {
				return nil, nil
			}
			return cfg, nil
		}
		cfg = cfg.Clone()
		cfg.KeyLogWriter = sink.keyLog(cfg.KeyLogWriter)
		return cfg, nil
	}
}

// tlsWire is a wire that carries TLS: it says what Request.TLS does.
type tlsWire interface {
	tlsState() *tls.ConnectionState
}

// runHandshake runs tc's handshake; a panic in a configuration callback
// (GetCertificate, VerifyPeerCertificate…) fails it, as an error, instead
// of taking the process down: the connection is closed either way.
func runHandshake(tc *tls.Conn) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("holdfast: panic during the TLS handshake: %v", v)
		}
	}()
	return tc.Handshake()
}

// negotiatedH2 reports whether a finished handshake chose HTTP/2.
func negotiatedH2(cs *tls.ConnectionState) bool { return cs.NegotiatedProtocol == protoH2 }

// handshakeFailed records why a TLS handshake failed, says so in the log,
// and answers a plain HTTP request with a 400 on raw, the socket under
// the TLS layer. It reports whether it answered (the close should linger
// then, so that the answer is not lost to a reset).
func (c *conn) handshakeFailed(err error, raw io.Writer) bool {
	answered := false
	var why string
	var rhe tls.RecordHeaderError
	var unknown *unknownNameError
	switch {
	case c.srv.closing.Load():
		c.setReason(CloseShutdown) // the server cut it short: nothing to report
		return false
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.setReason(CloseHandshakeTimeout)
		why = fmt.Sprintf("not complete after %v (the client stopped or is too slow)", c.srv.pol().handshake)
	case errors.As(err, &rhe) && looksLikeHTTP(rhe.RecordHeader[:]):
		c.setReason(CloseHandshakeError)
		raw.Write([]byte(plainHTTPAnswer))
		answered = true
		why = "plain HTTP sent to the TLS port (answered 400)"
	case errors.As(err, &rhe):
		c.setReason(CloseHandshakeError)
		why = fmt.Sprintf("not a TLS client (first bytes %q)", rhe.RecordHeader[:])
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		c.setReason(CloseHandshakeError)
		why = "the client closed the connection before the handshake completed"
	case errors.As(err, &unknown):
		c.setReason(CloseHandshakeError)
		why = "refused: " + unknown.Error()
	default:
		c.setReason(CloseHandshakeError)
		why = err.Error()
	}
	c.srv.logWarn("tls handshake failed", "remote", c.remote, "why", why)
	return answered
}

// plainHTTPAnswer is what a plain HTTP request on a TLS port gets.
const plainHTTPAnswer = "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n" +
	"400 Bad Request: this port speaks HTTPS; ask for https:// instead of http://\n"

// looksLikeHTTP reports whether the first bytes of a connection are an
// HTTP request line rather than a TLS record.
func looksLikeHTTP(hdr []byte) bool {
	for _, m := range []string{"GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "DELET", "PATCH", "CONNE", "TRACE"} {
		if bytes.HasPrefix(hdr, []byte(m)) {
			return true
		}
	}
	return false
}

// handshakeDeadline is when a handshake of a connection accepted at
// created (monotonic ns) must be over; zero for never.
func (c *conn) handshakeDeadline() time.Time {
	if c.srv.pol().handshake <= 0 {
		return time.Time{}
	}
	return epoch.Add(time.Duration(c.created) + c.srv.pol().handshake)
}
