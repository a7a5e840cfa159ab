//go:build !unix

package main

import "errors"

// signalReload asks the holdfast run of process pid to read its file
// again: with SIGHUP, which only Unix systems have.
func signalReload(pid int) error {
	return errors.New("reload signals the process with SIGHUP, which this system does not have; restart holdfast run instead")
}
