//go:build !unix

package holdfast

import "time"

func ttCPUTime() time.Duration { return 0 }
