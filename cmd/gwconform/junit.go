package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/report"
)

// JUnit property names for the versions a run was made with.
const (
	junitVersionProperty  = "gwconform.version"
	junitContractProperty = "contract.version"
)

// writeJUnit writes the run's JUnit report for CI tools. Ginkgo writes it; then it is rewritten so that a
// CI tool's reader sees the run's versions as the suite's first properties, every It spec's test case named
// by its request and answer (no "[It] " prefix), and a failure's text as the reason, the transcript and the
// curl line that reproduces it: no "[FAILED]" and no source line of the suite, and no timeline of suite
// locations beside it. A known failure is a skipped test case, since it fails nothing (see knownFailure). A
// harness error (panic, interruption, timeout) keeps Ginkgo's locations and timeline: there, the suite's
// source is what to look at.
func writeJUnit(r types.Report, res *report.Result, dst string) error {
	run := res.Run
	known := map[string]bool{}
	for _, s := range res.Specs {
		if s.KnownFailure() {
			known[s.Name] = true
		}
	}
	// The timeline is rendered only where it is kept: rendering it for every spec, to drop it, was most of
	// what writing the report cost.
	judged := types.SpecStatePassed | types.SpecStateSkipped | types.SpecStatePending | types.SpecStateFailed
	if err := reporters.GenerateJUnitReportWithConfig(r, dst, reporters.JunitReportConfig{OmitTimelinesForSpecState: judged}); err != nil {
		return err
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		return err
	}
	var suites reporters.JUnitTestSuites
	if err := xml.Unmarshal(b, &suites); err != nil {
		return fmt.Errorf("junit.xml: %w", err)
	}
	if len(suites.TestSuites) != 1 || len(suites.TestSuites[0].TestCases) != len(r.SpecReports) {
		return fmt.Errorf("junit.xml: Ginkgo wrote %d suites; want one with a test case per spec", len(suites.TestSuites))
	}
	ts := &suites.TestSuites[0]
	ts.Properties.Properties = append([]reporters.JUnitProperty{
		{Name: junitVersionProperty, Value: run.Version},
		{Name: junitContractProperty, Value: run.Contract},
	}, ts.Properties.Properties...)
	for i, spec := range r.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		tc := &ts.TestCases[i]
		tc.Name = strings.TrimPrefix(tc.Name, "[It] ")
		switch spec.State {
		case types.SpecStatePassed, types.SpecStateSkipped, types.SpecStatePending, types.SpecStateFailed:
			tc.SystemErr = "" // the timeline: report entries, already properties, at the suite's source lines
		}
		switch {
		case spec.State == types.SpecStateFailed && known[spec.FullText()]:
			knownFailure(&suites, tc, spec)
		case spec.State == types.SpecStateFailed && tc.Failure != nil:
			tc.Failure.Message = spec.Failure.Message
			tc.Failure.Description = reproduction(spec)
		}
	}

	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	f.WriteString(xml.Header)
	enc := xml.NewEncoder(f)
	enc.Indent("  ", "    ")
	if err := enc.Encode(suites); err != nil {
		f.Close()
		return fmt.Errorf("junit.xml: %w", err)
	}
	return f.Close()
}

// knownFailurePrefix starts a known failure's skip message in junit.xml.
const knownFailurePrefix = "known failure: "

// knownFailure turns a failed test case listed in --known-failing into a skipped one: the run's verdict
// counts it apart and fails nothing on it, so a CI's JUnit reader must not fail the build on it either. Its
// message says so with the reason's first line; its system-out keeps the whole reproduction.
func knownFailure(suites *reporters.JUnitTestSuites, tc *reporters.JUnitTestCase, spec types.SpecReport) {
	tc.Failure = nil
	tc.Status = report.StateKnownFailure
	tc.Skipped = &reporters.JUnitSkipped{Message: knownFailurePrefix + firstLine(spec.Failure.Message)}
	tc.SystemOut = strings.TrimSpace(reproduction(spec) + "\n\n" + tc.SystemOut)
	ts := &suites.TestSuites[0]
	ts.Failures--
	ts.Skipped++
	suites.Failures--
	suites.Disabled++ // Ginkgo counts the suites' skipped test cases as disabled
}

// reproduction is a failed spec's text for a JUnit reader, who sees only the failure: its reason, then, for
// a generated body, its case, smallest body and replay command, then its transcript, then the curl line
// that reproduces it by hand.
func reproduction(spec types.SpecReport) string {
	text := spec.Failure.Message
	for _, e := range spec.ReportEntries {
		switch e.Name {
		case report.NegativeEntry:
			text += "\n\nGenerated body:\n" + e.StringRepresentation()
		case report.TranscriptEntry:
			text += "\n\n" + e.StringRepresentation()
		case report.CurlEntry:
			text += "\n\nReproduce:\n" + e.StringRepresentation()
		}
	}
	return text
}
