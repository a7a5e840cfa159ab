//go:build !linux

package holdfast

import "net/http"

// TLSCarrier is "" here: only the epoll engine has a record layer.
func TLSCarrier(*http.Request) string { return "" }
