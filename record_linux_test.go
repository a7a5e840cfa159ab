package holdfast

import (
	"testing"
	"unsafe"
)

// TestIdleRecordSize pins what an idle connection costs the epoll engine
// besides its address string: its record. 144 bytes is a size class of
// Go's allocator; one field more and every idle connection costs 160, which
// the idle-memory figures in docs/benchmarks.md would show.
func TestIdleRecordSize(t *testing.T) {
	const limit = 144
	size := unsafe.Sizeof(loopConn{})
	t.Logf("epoll connection record: %d bytes (shared part %d)", size, unsafe.Sizeof(conn{}))
	if size > limit {
		t.Fatalf("loopConn is %d bytes, over the %d-byte size class", size, limit)
	}
}
