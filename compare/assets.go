package compare

import (
	_ "embed"
	"io"
	"text/template"
)

// PipelineLua is the wrk script for the pipelined scenario.
//
//go:embed wrk/pipeline.lua
var PipelineLua []byte

//go:embed nginx/nginx.conf.tmpl
var nginxConf string

var nginxTmpl = template.Must(template.New("nginx.conf").Option("missingkey=error").Parse(nginxConf))

// NginxConfig fills the nginx template.
type NginxConfig struct {
	Dir               string // pid, logs and temp files go here
	Addr              string // host:port to listen on
	NoFile            int    // worker_rlimit_nofile
	WorkerConnections int
	// KeepaliveTimeout is nginx's keepalive_timeout ("300s", "300ms");
	// empty means 300s, longer than any benchmark run.
	KeepaliveTimeout string
}

// WriteNginxConfig renders the nginx config for c into w.
func WriteNginxConfig(w io.Writer, c NginxConfig) error {
	if c.KeepaliveTimeout == "" {
		c.KeepaliveTimeout = "300s"
	}
	return nginxTmpl.Execute(w, c)
}
