package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/suite"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// judgeSpecs runs the defined suite with Ginkgo, which judges what was recorded, and returns Ginkgo's report.
func judgeSpecs(runCtx context.Context, o *runOptions, known *knownFailing, stdout io.Writer) types.Report {
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	suiteConfig.LabelFilter = o.labelFilter
	if deadline, ok := runCtx.Deadline(); ok {
		suiteConfig.Timeout = max(time.Until(deadline), time.Millisecond)
	}
	reporterConfig.NoColor = !isTerminal(os.Stdout)
	reporterConfig.Verbose = o.verbose
	_, knownFailing := known.list()
	m := &marks{w: stdout, knownFailing: knownFailing}
	// Ginkgo's GithubOutput stays off, even under -v: its annotations name the suite's source files. The
	// workflow's annotations are printVerdict's, one per failed requirement, with or without -v.
	if !o.verbose {
		// Ginkgo's own reporter prints a transcript and a source line per failure; without -v a person reads
		// one mark per spec and, at the end, one line per failed requirement.
		formatter.ColorableStdOut = io.Discard
		ginkgo.ReportAfterEach(m.spec)
	}

	var ginkgoReport types.Report
	ginkgo.ReportAfterSuite("gwconform reports", func(r ginkgo.Report) { ginkgoReport = r })
	ginkgo.RunSpecs(&testingT{}, "gwconform", suiteConfig, reporterConfig)
	if !o.verbose {
		m.end()
	}
	return ginkgoReport
}

// writeReports turns Ginkgo's report into the run's result, prints its verdict, writes every report, and
// returns the exit code. A run stopped before judging (run.Stopped) hands it an empty report: its reports
// then say what it planned and that it judged none of it.
func writeReports(ginkgoReport types.Report, o *runOptions, plan *suite.Plan, run report.Run, known *knownFailing, billed int, getenv func(string) string, stdout, stderr io.Writer) int {
	in := report.Inputs{Requirements: plan.Requirements, Specs: plan.SpecInfo(), Guarantees: plan.Guarantees(), Billed: billed}
	run.KnownFailing, in.KnownFailing = known.list()
	run.Contract = plan.ContractVersion
	res := report.Build(ginkgoReport, in, run)
	if o.verbose {
		printGinkgoSkipped(stdout, ginkgoReport, res.Counts.Specs)
	}
	printVerdict(stdout, res, getenv("GITHUB_ACTIONS") == "true")

	// A report that cannot be written is said, and changes nothing about the verdict.
	errs := res.WriteAll(o.reportDir, getenv)
	if err := writeJUnit(ginkgoReport, res, filepath.Join(o.reportDir, "junit.xml")); err != nil {
		errs = append(errs, err)
	}
	if err := reporters.GenerateJSONReport(ginkgoReport, filepath.Join(o.reportDir, "ginkgo-report.json")); err != nil {
		errs = append(errs, err)
	}
	for _, err := range errs {
		fmt.Fprintf(stderr, "gwconform: report not written: %v\n", err)
	}
	fmt.Fprintf(stdout, reportsLinePrefix+"%s: report.html, summary.md, report.json, junit.xml, ginkgo-report.json\n", o.reportDir)
	return res.ExitCode
}

// reportsLinePrefix starts the line that says where the reports are.
const reportsLinePrefix = "gwconform: reports in "

// printGinkgoSkipped says what Ginkgo's own summary, printed under -v just above, counts as Skipped: every
// spec that did not run, the ones the label filter left out and the blocked ones included, which the verdict
// counts apart. Said only when the two numbers differ, and Ginkgo judged anything (a run stopped before it
// printed no summary).
func printGinkgoSkipped(w io.Writer, r types.Report, c report.SpecCounts) {
	its := r.SpecReports.WithLeafNodeType(types.NodeTypeIt)
	ginkgoSkipped := its.CountWithState(types.SpecStateSkipped)
	if len(its) == 0 || ginkgoSkipped == c.Skipped {
		return
	}
	var parts []string
	if c.NotSelected > 0 {
		parts = append(parts, fmt.Sprintf("%d not selected by --label-filter", c.NotSelected))
	}
	if c.Blocked > 0 {
		parts = append(parts, fmt.Sprintf("%d blocked", c.Blocked))
	}
	parts = append(parts, fmt.Sprintf("%d skipped", c.Skipped))
	fmt.Fprintf(w, "gwconform: Ginkgo's %d Skipped above are gwconform's %s, counted apart below\n", ginkgoSkipped, joinAnd(parts))
}

// joinAnd joins a list as prose: "a", "a and b", "a, b and c".
func joinAnd(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// testingT lets Ginkgo run from a plain binary; the verdict comes from the report, not from Fail.
type testingT struct{}

func (*testingT) Fail() {}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
