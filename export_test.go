package holdfast

// Hooks for the external tests.

// BadTransitions reports how many state moves broke the state machine.
func BadTransitions() uint64 { return badTransitions.Load() }

// Engines lists the engines that run on this system, for run.
func Engines() []Engine { return availableEngines() }
