package main

import (
	"context"
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

// runInterruption is a context cancelled by Ctrl-C or SIGTERM. Listening keeps the signal from killing a
// run outright: Ginkgo hears the same signal during the specs and stops them, and the run, seeing the
// context cancelled, ends with exit 2 and one line saying so rather than a verdict on half a run.
func runInterruption() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// interruptedLine is the one line an interrupted run ends with.
const interruptedLine = "run: interrupted: the run stopped before its end, so there is no verdict (the reports hold the specs that ran)"
