//go:build !linux

package sockopt

import "syscall"

// Info reads TCP_INFO, which this system does not offer in Linux's form.
func Info(fd int) (TCPInfo, error) { return TCPInfo{}, syscall.ENOPROTOOPT }
