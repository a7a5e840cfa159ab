package holdfast

import (
	"net/http"

	"holdfast/internal/sockopt"
)

// Hooks for the external tests.

// BadTransitions reports how many state moves broke the state machine.
func BadTransitions() uint64 { return badTransitions.Load() }

// CheckOwnership turns the ownership checks on or off (see owner.go); call
// it before any server runs.
func CheckOwnership(on bool) { checkOwner.Store(on) }

// OwnerFailures returns the ownership checks that failed, with the first
// one's report, and forgets them.
func OwnerFailures() (uint64, string) { return takeOwnerFailures() }

// Engines lists the engines that run on this system, for run.
func Engines() []Engine { return availableEngines() }

// SocketOptions reads the TCP options of the server socket that carried r.
func SocketOptions(r *http.Request) (sockopt.Options, error) {
	c := r.Context().Value(connSelfKey{}).(*conn)
	return c.ex.wire.(interface {
		sockOptions() (sockopt.Options, error)
	}).sockOptions()
}

func (g *goroutineConn) sockOptions() (sockopt.Options, error) { return sockopt.Read(g.tcp) }
