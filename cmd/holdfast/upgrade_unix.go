//go:build unix

package main

import (
	"os"
	"syscall"
)

// upgradeSignal starts an in-place upgrade (--upgradable).
var upgradeSignal os.Signal = syscall.SIGUSR2
