package netns

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// cmdTimeout bounds every external command: a wedged ip or nft must fail
// the test with a message, not hang it until the test binary's deadline.
const cmdTimeout = 10 * time.Second

// run runs name with args, feeding it stdin when non-empty, and returns its
// stdout. A failure is wrapped in ErrCommand with the command line and what
// the command printed, since "exit status 2" alone says nothing.
func run(ctx context.Context, stdin, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	// A child that leaves grandchildren holding its pipes must not keep
	// Wait blocked past the timeout.
	cmd.WaitDelay = time.Second
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		line := strings.Join(cmd.Args, " ")
		if stdin != "" {
			line += " <<< " + strings.ReplaceAll(strings.TrimSpace(stdin), "\n", "; ")
		}
		out := strings.TrimSpace(stdout.String() + stderr.String())
		return stdout.Bytes(), fmt.Errorf("%w: %s: %v: %s", ErrCommand, line, err, out)
	}
	return stdout.Bytes(), nil
}

// background is the context for operations that take none (Crash, cleanup):
// t.Context is already cancelled when cleanups run, and every command is
// bounded by cmdTimeout anyway.
func background() context.Context { return context.Background() }
