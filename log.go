package holdfast

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"holdfast/internal/ratelog"
)

// ErrorLogInterval is how often, at most, Server.ErrorLog receives a
// record of one kind (one message): a flood of the same failure costs a
// line per interval.
const ErrorLogInterval = 5 * time.Second

// rateLimited wraps the error logger in the rate limit.
func rateLimited(l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	return slog.New(ratelog.New(l.Handler(), ErrorLogInterval))
}

// logError tells the operator of a failure. msg names the kind of
// failure and stays constant; what varies goes in args (slog's key-value
// pairs), as the rate limit tells kinds apart by message.
func (s *Server) logError(msg string, args ...any) { s.errLog.Error(msg, args...) }

// logWarn is logError for what degrades the service without failing it.
func (s *Server) logWarn(msg string, args ...any) { s.errLog.Warn(msg, args...) }

// logAccess writes the access log record: who, what, the answer, and the
// connection's part in it (its ID, the request's number on it, reused,
// kept or closed and why).
func (c *conn) logAccess(req *http.Request, w *response, start time.Time, keep bool) {
	lg := c.srv.AccessLog
	if lg == nil {
		return
	}
	n := uint64(c.nreq.Load())
	attrs := [...]slog.Attr{
		slog.Uint64("conn", c.id),
		slog.Uint64("req", n),
		slog.Bool("reused", n > 1),
		slog.String("remote", c.remote),
		slog.String("method", req.Method),
		slog.String("target", req.RequestURI),
		slog.String("proto", req.Proto),
		slog.Int("status", w.status),
		slog.Int64("bytes", w.written),
		slog.Duration("duration", time.Since(start)),
		slog.Bool("keep", keep),
		slog.String("close_reason", c.reason.String()),
	}
	count := len(attrs)
	if keep {
		count-- // no close reason
	}
	lg.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs[:count]...)
}

// logClose writes the connection log record of a connection that left
// its engine.
func (c *conn) logClose(now int64) {
	lg := c.srv.ConnectionLog
	if lg == nil {
		return
	}
	reason := c.reason.String()
	if c.hijacked {
		reason = "hijacked"
	}
	lg.LogAttrs(context.Background(), slog.LevelInfo, "connection closed",
		slog.Uint64("conn", c.id),
		slog.String("remote", c.remote),
		slog.String("reason", reason),
		slog.Duration("age", time.Duration(now-c.created)),
		slog.Uint64("requests", uint64(c.nreq.Load())),
		slog.Uint64("bytes_in", c.bytesIn.Load()),
		slog.Uint64("bytes_out", c.bytesOut.Load()),
	)
}
