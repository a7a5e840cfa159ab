package holdfast

// Engine is how a Server drives its connections. Both engines share the
// protocol code, the connection state machine and the Policy; they differ in
// what an idle connection costs and how fast requests are answered.
type Engine uint8

const (
	// EngineAuto picks the best engine for the system.
	EngineAuto Engine = iota
	// EngineGoroutine runs one goroutine per connection over net.Conn; it
	// works everywhere Go does. On Unix an idle plain-TCP connection owns
	// its goroutine but no buffer.
	EngineGoroutine
	// EngineEpoll runs event loops over non-blocking sockets (Linux): an
	// idle connection owns no goroutine and no buffer.
	EngineEpoll
)

var engineNames = [...]string{EngineAuto: "auto", EngineGoroutine: "goroutine", EngineEpoll: "epoll"}

func (e Engine) String() string {
	if int(e) < len(engineNames) {
		return engineNames[e]
	}
	return "unknown"
}

// ParseEngine maps "auto", "goroutine" or "epoll" to an Engine.
func ParseEngine(s string) (Engine, error) {
	for e, name := range engineNames {
		if name == s {
			return Engine(e), nil
		}
	}
	return EngineAuto, ErrUnknownEngine
}

// resolve maps EngineAuto to the system's default engine (epoll on Linux).
func (e Engine) resolve() Engine {
	if e == EngineAuto {
		return defaultEngine
	}
	return e
}

// Resolved is the engine a Server with this setting runs: EngineAuto
// becomes the system's default.
func (e Engine) Resolved() Engine { return e.resolve() }
