//go:build !unix

package testrig

import "net"

// resetLater reports false: without the socket's error to read, a reset
// after src's FIN is not watched for, and the relay closes its other side
// as it would after a plain FIN.
func resetLater(src *net.TCPConn) bool { return false }
