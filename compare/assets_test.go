package compare

import (
	"bytes"
	"testing"
)

func TestPipelineLuaEmbedded(t *testing.T) {
	if !bytes.Contains(PipelineLua, []byte("function request()")) {
		t.Fatal("pipeline.lua not embedded")
	}
}
