//go:build unix

package main

import "syscall"

// signalReload asks the holdfast run of process pid to read its file again.
func signalReload(pid int) error { return syscall.Kill(pid, syscall.SIGHUP) }
