package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// manyDeviations is a failed run of n deviations, each a scenario of its own with a long transcript: its
// summary.md grows with n, as a real run's does with the target's deviations.
func manyDeviations(t testing.TB, n int) *Result {
	var specs []types.SpecReport
	for i := range n {
		specs = append(specs, spec(fmt.Sprintf("POST /v1/chat/completions case %d", i), "answers status 401", failed, must("AUTH-1"),
			inScenario(fmt.Sprintf("s%d", i)), message("answered status 200, want 401"),
			entry("transcript", strings.Repeat(transcript+"\n", 40)), entry("curl", "curl -sS -X POST 'http://gw/v1/chat/completions'")))
	}
	return build(report(specs...), contract(t), Run{Target: "http://gw/v1", FailOn: "must", Started: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)})
}

// writeAllWithStepSummary runs WriteAll into dir with $GITHUB_STEP_SUMMARY set, and returns summary.md and
// what the step summary received.
func writeAllWithStepSummary(t *testing.T, res *Result, dir string) (md, appended []byte) {
	t.Helper()
	stepSummary := filepath.Join(t.TempDir(), "step_summary.md")
	getenv := func(k string) string {
		if k == StepSummaryEnv {
			return stepSummary
		}
		return ""
	}
	if errs := res.WriteAll(dir, getenv); len(errs) > 0 {
		t.Fatalf("WriteAll: %v", errs)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	appended, err = os.ReadFile(stepSummary)
	if err != nil {
		t.Fatal(err)
	}
	return md, appended
}

// GitHub refuses a step summary over 1 MiB: a summary.md over StepSummaryMax reaches the step summary cut
// at a line, with every block it was inside closed and a pointer to the whole reports; summary.md stays
// whole.
func TestStepSummaryIsCutToGitHubsLimit(t *testing.T) {
	t.Parallel()
	res := manyDeviations(t, 300)
	var whole bytes.Buffer
	if err := res.WriteMarkdown(&whole); err != nil {
		t.Fatal(err)
	}
	if whole.Len() <= StepSummaryMax {
		t.Fatalf("the fixture's summary.md is %d bytes, not over the %d it should exceed", whole.Len(), StepSummaryMax)
	}
	dir := filepath.Join(t.TempDir(), "out")
	md, appended := writeAllWithStepSummary(t, res, dir)
	if !bytes.Equal(md, whole.Bytes()) {
		t.Errorf("summary.md is %d bytes, not the whole %d", len(md), whole.Len())
	}
	if len(appended) > StepSummaryMax || len(appended) < StepSummaryMax*9/10 {
		t.Errorf("the step summary received %d bytes; want at most %d, and most of them", len(appended), StepSummaryMax)
	}
	pointer := stepSummaryPointer(dir)
	for _, path := range []string{filepath.Join(dir, MarkdownFile), filepath.Join(dir, HTMLFile)} {
		if !strings.Contains(pointer, path) {
			t.Errorf("the pointer does not name %s: %q", path, pointer)
		}
	}
	kept, found := bytes.CutSuffix(appended, []byte(pointer+"\n"))
	if !found {
		t.Fatalf("the step summary does not end with the pointer:\n%s", tailOf(appended))
	}
	checkCut(t, md, kept)
}

// checkCut fails unless kept is a run of md's whole lines followed only by the lines that close the blocks
// it ends inside, and leaves no element open.
func checkCut(t *testing.T, md, kept []byte) {
	t.Helper()
	n := 0
	for n < len(kept) && n < len(md) && kept[n] == md[n] {
		n++
	}
	for n > 0 && md[n-1] != '\n' {
		n-- // back to the last line both hold whole
	}
	for line := range strings.Lines(string(kept[n:])) {
		l := strings.TrimSuffix(line, "\n")
		if _, fence := mdFenceLine(l); l != "" && !fence && l != "</details>" {
			t.Fatalf("the cut is not at a line of summary.md: after %d kept bytes comes %q", n, line)
		}
	}
	_, outside, err := codeBlocks(string(kept))
	if err == nil {
		err = balanced(outside) // a code block's text is the target's, and need not be balanced HTML
	}
	if err != nil {
		t.Errorf("the cut leaves a block open: %v\n%s", err, tailOf(kept))
	}
}

// Wherever the cut falls, inside a transcript's code block, its <details> or neither, the step summary stays
// within the bound and closes what it cut; a summary that fits is appended unchanged.
func TestCutStepSummaryClosesWhatItCuts(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := failedRun(t).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.Bytes()
	for _, block := range []string{"\n```\n", "\n<details>"} {
		if !bytes.Contains(md, []byte(block)) {
			t.Fatalf("the fixture's summary.md has no %q to cut inside", block)
		}
	}
	const pointer = "\n**cut: see the reports**\n"
	for limit := len(pointer) + 32; limit < len(md)+8; limit++ {
		got := cutStepSummary(md, limit, pointer)
		if len(got) > limit {
			t.Fatalf("limit %d: %d bytes", limit, len(got))
		}
		if limit >= len(md)+1 {
			if want := append(bytes.Clone(md), '\n'); !bytes.Equal(got, want) {
				t.Fatalf("limit %d: a summary of %d bytes that fits is not appended unchanged", limit, len(md))
			}
			continue
		}
		kept, found := bytes.CutSuffix(got, []byte(pointer+"\n"))
		if !found {
			t.Fatalf("limit %d: no pointer at the end:\n%s", limit, tailOf(got))
		}
		checkCut(t, md, kept)
	}
}

// A summary.md under the bound reaches the step summary as it is.
func TestStepSummaryUnderTheLimitIsAppendedWhole(t *testing.T) {
	t.Parallel()
	md, appended := writeAllWithStepSummary(t, manyDeviations(t, 3), filepath.Join(t.TempDir(), "out"))
	if want := append(bytes.Clone(md), '\n'); !bytes.Equal(appended, want) {
		t.Errorf("the step summary received %d bytes, not summary.md's %d and a blank line", len(appended), len(md))
	}
}

func tailOf(b []byte) string {
	return string(b[max(0, len(b)-600):])
}
