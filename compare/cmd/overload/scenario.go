package main

// runScenario runs one scenario on one server and adds its result to rep.
func (e *env) runScenario(name string, t target, rep *report) error {
	switch name {
	case "slowloris":
		r, err := e.slowloris(t)
		rep.slowloris = append(rep.slowloris, r)
		return err
	case "slowbody":
		r, err := e.slowbody(t)
		rep.slowbody = append(rep.slowbody, r)
		return err
	default:
		r, err := e.soak(t)
		rep.soak = append(rep.soak, r)
		return err
	}
}
