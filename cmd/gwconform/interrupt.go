package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
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

// stoppedBy says why a run's context ended before the run did: Ctrl-C or SIGTERM, or its --run-timeout;
// empty while it runs. It is the report's Run.Stopped.
func stoppedBy(runCtx context.Context, runTimeout time.Duration) string {
	switch {
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("its --run-timeout of %s passed", runTimeout)
	case runCtx.Err() != nil:
		return "interrupted by Ctrl-C or SIGTERM"
	}
	return ""
}

// stoppedLine is the one line a stopped run ends with: the same whenever the stop came, as the reports
// then hold what was judged until then.
func stoppedLine(runCtx context.Context, o *runOptions) string {
	if errors.Is(runCtx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("run: stopped at its --run-timeout of %s, so there is no verdict (the reports in %s hold what was judged): give a slow target a longer --run-timeout", o.runTimeout, o.reportDir)
	}
	return fmt.Sprintf("run: interrupted: the run stopped before its end, so there is no verdict (the reports in %s hold what was judged)", o.reportDir)
}
