package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"time"

	"holdfast"
	"holdfast/internal/selfsigned"
)

// HTTPS for the front side (serve and proxy): the flags, the certificate, and serving the listener
// with or without TLS.

// tlsFlags adds the front side's HTTPS flags.
func tlsFlags(fs *flag.FlagSet, cfg *frontConfig) {
	fs.StringVar(&cfg.tlsCert, "tls-cert", "", "serve HTTPS with the certificate (chain first the leaf) in `FILE`, PEM; needs --tls-key")
	fs.StringVar(&cfg.tlsKey, "tls-key", "", "the private key of --tls-cert, PEM `FILE`")
	fs.BoolVar(&cfg.tlsSelfSigned, "tls-self-signed", false, "serve HTTPS with a certificate made in memory for localhost and 127.0.0.1 (prints its fingerprint)")
	fs.BoolVar(&cfg.noH2, "no-h2", false, "with HTTPS: offer HTTP/1.1 only, no HTTP/2")
	durationVar(fs, &cfg.policy.HandshakeTimeout, "handshake-timeout", holdfast.DefaultHandshakeTimeout, "with HTTPS: longest TLS handshake (0: no limit)")
}

// checkTLSFlags refuses the combinations that make no sense.
func checkTLSFlags(cfg *frontConfig) error {
	switch {
	case (cfg.tlsCert == "") != (cfg.tlsKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case cfg.tlsSelfSigned && cfg.tlsCert != "":
		return errors.New("--tls-self-signed or --tls-cert, not both")
	case cfg.noH2 && !cfg.tls():
		return errors.New("--no-h2 needs HTTPS (--tls-cert or --tls-self-signed)")
	}
	return nil
}

func (cfg *frontConfig) tls() bool { return cfg.tlsSelfSigned || cfg.tlsCert != "" }

// setupTLS gives srv the certificate the flags name (or make), before it
// serves, and says what it is in log.
func setupTLS(cfg *frontConfig, srv *holdfast.Server, log io.Writer) error {
	if !cfg.tls() {
		return nil
	}
	if cfg.noH2 {
		srv.HTTP2 = holdfast.Off
	}
	if cfg.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return fmt.Errorf("--tls-cert, --tls-key: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		return nil
	}
	cert, err := selfsigned.New([]string{"localhost", "127.0.0.1"}, time.Time{}, time.Time{})
	if err != nil {
		return fmt.Errorf("--tls-self-signed: %w", err)
	}
	// Whatever name the browser asked for gets this certificate, rather
	// than a refusal: its warning can be clicked through when the demo is
	// reached by another name than localhost.
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert.TLS},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert.TLS, nil }}
	fmt.Fprintf(log, "holdfast: self-signed certificate for localhost and 127.0.0.1, valid until %s\n", cert.Leaf.NotAfter.Format("2006-01-02"))
	fmt.Fprintf(log, "holdfast: its SHA-256 fingerprint is %s (browsers will warn: check it, or use curl -k)\n", cert.Fingerprint())
	return nil
}

// serveListener serves l, with TLS when the flags ask for it.
func serveListener(cfg *frontConfig, srv *holdfast.Server, l net.Listener) error {
	if cfg.tls() {
		return srv.ServeTLS(l, "", "")
	}
	return srv.Serve(l)
}

// scheme is the URL scheme the server answers.
func (cfg *frontConfig) scheme() string {
	if cfg.tls() {
		return "https"
	}
	return "http"
}

// protocolSummary says which protocols clients get.
func protocolSummary(cfg *frontConfig) string {
	switch {
	case !cfg.tls():
		return "HTTP/1.x"
	case cfg.noH2:
		return "HTTP/1.1 over TLS"
	}
	return "HTTP/2 or HTTP/1.1 over TLS, by ALPN"
}
