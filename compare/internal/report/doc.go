// Package report holds benchmark results and renders them as Markdown (for
// people and docs/benchmarks.md) and JSON (for tools). Rendering is kept
// apart from measuring so it can be tested on fixed numbers.
package report
