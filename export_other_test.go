//go:build !linux

package holdfast

import "net/http"

// TLSCarrier is "" here: only the epoll engine has a record layer.
func TLSCarrier(*http.Request) string { return "" }

// CipherKeep is zero here: there is no record layer to keep ciphers for.
const CipherKeep = 0
