//go:build !linux

package holdfast

import (
	"errors"
	"net"

	"holdfast/internal/sockopt"
)

// epollEngine does not exist on this system.
type epollEngine struct{}

func availableEngines() []Engine { return []Engine{EngineGoroutine} }

// defaultEngine is what EngineAuto means here.
const defaultEngine = EngineGoroutine

func (s *Server) serveEpoll(net.Listener, *serverTLS) error {
	return errors.New("holdfast: the epoll engine needs Linux")
}

func (s *Server) applyListenerOptions(sockopt.Options) error { return nil }

func (s *Server) stopEngine() {}

func (s *Server) abortEngine() {}

func (s *Server) engineConnections(int64) []ConnInfo { return nil }

func (s *Server) engineGather(*gathered) {}
