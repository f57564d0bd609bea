package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/suite"
)

// execute is a resolved run's phases, in order: claim the report directory, preflight (the catalogue and
// the key), prepare (the generated bodies, the selection, the known failures), record, judge, write. A run
// stopped by Ctrl-C or --run-timeout at any of them writes what it judged and ends the same way.
func (r *resolvedRun) execute(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	o, cfg := r.o, &r.cfg
	release, err := claimReportDir(o.reportDir)
	switch {
	case errors.Is(err, errReportDirInUse):
		return fail(stderr, "run: --report-dir %q is in use: %v", o.reportDir, err)
	case err != nil:
		return fail(stderr, "run: --report-dir %q cannot be written: %v", o.reportDir, err)
	}
	defer release()
	var prog *progress
	if o.progress {
		prog = newProgress(stderr, r.sel, cfg.Offers, cfg.Billable)
		cfg.Progress = prog.report
	}
	cfg.Announce = func(line string) { fmt.Fprintf(stderr, "gwconform: %s\n", line) }
	tg, err := suite.New(*cfg, r.plan)
	if err != nil {
		return fail(stderr, "run: %v", err)
	}
	defer tg.CloseIdleConnections() // before the embedded reference's Close, which would wait on them
	// One deadline for the whole run: recording and judging both stop at it.
	started := time.Now()
	runCtx, cancel := context.WithDeadline(ctx, started.Add(o.runTimeout))
	defer cancel()
	w := runWriter{r: r, tg: tg, runCtx: runCtx, getenv: getenv, stdout: stdout, stderr: stderr,
		run: report.Run{Target: cfg.BaseURL, Profile: cfg.Offers.Summary(), FailOn: o.failOn, Started: started, Version: buildVersion(), Negative: negativeRun(r.neg)}}

	switch err := r.preflight(runCtx, tg, stderr); {
	case errors.Is(err, errStopped):
		return w.endStopped()
	case err != nil:
		return fail(stderr, "run: %v", err)
	}
	if w.known, err = r.prepare(tg, prog); err != nil {
		return fail(stderr, "run: %v", err)
	}
	// Record, then judge: every exchange is made before any spec runs. A record stopped by Ctrl-C or the
	// deadline is not judged at all: judging half a record would be seconds more work for no verdict.
	tg.Record(runCtx, func(sc scenario.Scenario) bool { return r.sel.scenarios[sc.ID] })
	if runCtx.Err() != nil {
		return w.endStopped()
	}
	tg.Define()
	return w.write(judgeSpecs(runCtx, o, w.known, stdout))
}

// errStopped is a phase's answer when Ctrl-C or the deadline stopped it: the run ends as a stopped run does.
var errStopped = errors.New("the run was stopped")

// preflight asks the target the run's first questions: its catalogue (a complete answer, not refusing the
// suite's key), then whether it takes the key where the scenarios go. Its error is errStopped, or the one
// line a target that cannot be tested ends the run with.
func (r *resolvedRun) preflight(runCtx context.Context, tg *suite.Target, stderr io.Writer) error {
	catalogue := tg.Discover(runCtx)
	if runCtx.Err() != nil {
		return errStopped
	}
	err := untestable(catalogue, r.cfg)
	var refused *catalogueRefused
	switch {
	case errors.As(err, &refused) && r.cfg.Offers.Model != "":
		fmt.Fprintf(stderr, "gwconform: warning: GET %s answered %d; going on with model %s, and MOD-1 judges the catalogue\n", refused.url, refused.status, r.cfg.Offers.Model)
	case err != nil:
		return err
	}
	probe := tg.ProbeKey(runCtx)
	if runCtx.Err() != nil {
		return errStopped
	}
	if err := keyRefused(probe, r.cfg); err != nil {
		return err
	}
	warnUnlistedModel(stderr, tg)
	return nil
}

// prepare makes what discovery decides: the generated bodies, made for the model it chose, join the plan,
// and the label filter selects among them like any other (a replay sends its one case alone); the
// --known-failing list, which may name them, is read against that plan.
func (r *resolvedRun) prepare(tg *suite.Target, prog *progress) (*knownFailing, error) {
	o := r.o
	if err := tg.Generate(); err != nil {
		return nil, err
	}
	filter := r.sel.filter
	if r.neg.Replay {
		// Every other spec is left out as a label filter leaves it: reported not selected, never failed.
		var err error
		if filter, err = parseLabelFilter(suite.ReplayFilter(r.neg, filter.text)); err != nil {
			return nil, err
		}
		o.labelFilter = filter.text
	}
	if r.neg.On() {
		if r.sel = selectSpecs(r.plan, filter); len(r.sel.specs) == 0 {
			return nil, fmt.Errorf("--label-filter %q selects no spec, generated ones included: see the labels with gwconform list --what specs", o.labelFilter)
		}
		if prog != nil {
			prog.count(r.sel, r.cfg.Offers, r.cfg.Billable)
		}
	}
	if o.knownFailing == "" {
		return nil, nil
	}
	known, err := loadKnownFailing(o.knownFailing, r.plan)
	if err != nil {
		return nil, fmt.Errorf("--known-failing %s: %v", o.knownFailing, err)
	}
	return known, nil
}

// runWriter ends a run: its reports, its verdict line, its exit code.
type runWriter struct {
	r      *resolvedRun
	tg     *suite.Target
	runCtx context.Context
	run    report.Run
	known  *knownFailing
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// endStopped ends a run that was stopped (Ctrl-C, --run-timeout) before its specs were judged: reports of
// what it planned, none of it judged, and no verdict, as for a run stopped while judging.
func (w *runWriter) endStopped() int {
	w.run.Stopped, w.run.LabelFilter = stoppedBy(w.runCtx, w.r.o.runTimeout), w.r.o.labelFilter
	writeReports(types.Report{}, w.r.o, w.r.plan, w.run, w.known, w.tg.Billed(), w.getenv, w.stdout, w.stderr)
	return fail(w.stderr, "%s", stoppedLine(w.runCtx, w.r.o))
}

// write turns what Ginkgo judged into the reports and the exit code.
func (w *runWriter) write(judged types.Report) int {
	o := w.r.o
	w.run.Stopped, w.run.LabelFilter = stoppedBy(w.runCtx, o.runTimeout), o.labelFilter
	code := writeReports(judged, o, w.r.plan, w.run, w.known, w.tg.Billed(), w.getenv, w.stdout, w.stderr)
	switch {
	case w.run.Stopped != "":
		return fail(w.stderr, "%s", stoppedLine(w.runCtx, o))
	case code == exitUsage:
		return fail(w.stderr, "run: harness error: a spec panicked, timed out or was interrupted, so there is no verdict (see %s)", o.reportDir)
	}
	return code
}
