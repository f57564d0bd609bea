package main

import (
	"os"
	"os/signal"
	"syscall"
)

// interruption starts listening for Ctrl-C and SIGTERM at once, so a signal sent as soon as a foreground
// command prints its address is not lost, and returns a wait for it and a stop that ends the listening.
func interruption() (wait, stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	return func() { <-sig }, func() { signal.Stop(sig) }
}
