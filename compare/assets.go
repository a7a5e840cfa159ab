package compare

import _ "embed"

// PipelineLua is the wrk script for the pipelined scenario.
//
//go:embed wrk/pipeline.lua
var PipelineLua []byte
