//go:build !unix

package main

import "os"

// upgradeSignal is nil: without fork and descriptor passing there are no
// in-place upgrades.
var upgradeSignal os.Signal
