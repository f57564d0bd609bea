package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteMarkdown writes summary.md: a short summary for $GITHUB_STEP_SUMMARY or a pull request comment. It
// gives the verdict, the counts, the deviations (each with its transcript and curl line), a table of the
// failed requirements (and the harness errors) referring to them, the uncovered MUST requirements, and the
// skipped requirements with their reasons in a collapsed list.
func (r *Result) WriteMarkdown(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## gwconform: %s %s\n\n", verdictIcon[r.Verdict], verdictTitle[r.Verdict])
	fmt.Fprintf(&b, "%s (exit %d)\n\n", mdText(r.Summary), r.ExitCode)
	var meta []string
	if r.Run.Target != "" {
		meta = append(meta, "target `"+mdCode(r.Run.Target)+"`")
	}
	if !r.Run.Started.IsZero() {
		meta = append(meta, "started "+r.Run.Started.UTC().Format("2006-01-02 15:04:05Z"))
	}
	if r.Run.FailOn != "" {
		meta = append(meta, "fail-on "+mdText(r.Run.FailOn))
	}
	if r.Run.LabelFilter != "" {
		meta = append(meta, "label filter `"+mdCode(r.Run.LabelFilter)+"`")
	}
	if r.Run.Negative != nil {
		meta = append(meta, mdText(r.Run.Negative.String()))
	}
	if r.Run.Version != "" {
		meta = append(meta, "gwconform "+mdText(r.Run.Version))
	}
	if r.Run.Contract != "" {
		meta = append(meta, "contract "+mdText(r.Run.Contract))
	}
	if len(meta) > 0 {
		b.WriteString(strings.Join(meta, " · ") + "\n\n")
	}
	c := r.Counts.Specs
	fmt.Fprintf(&b, "**Specs:** %d passed, %d failed (%d MUST, %d SHOULD), %d known failure(s), %d blocked, %d skipped, %d not selected, %d harness error(s) of %d  \n",
		c.Passed, c.Failed, c.FailedMust, c.FailedShould, c.KnownFailure, c.Blocked, c.Skipped, c.NotSelected, c.HarnessError, c.Total)
	var outcomes []string
	for _, o := range Outcomes {
		if n := r.Counts.Requirements[o]; n > 0 {
			outcomes = append(outcomes, fmt.Sprintf("%d %s", n, outcomeTitle[o]))
		}
	}
	fmt.Fprintf(&b, "**Requirements:** %d: %s\n", len(r.Requirements), strings.Join(outcomes, ", "))

	if len(c.NowPassing) > 0 {
		fmt.Fprintf(&b, "\n### Listed in %s but now passing: remove them\n\n", mdText(r.Run.KnownFailing))
		for _, n := range c.NowPassing {
			fmt.Fprintf(&b, "- %s\n", mdCell(n, 300))
		}
	}

	if line := r.BilledLine(); line != "" {
		fmt.Fprintf(&b, "\n**💸 %s.**\n", line)
	}

	if len(r.HarnessErrors) > 0 {
		b.WriteString("\n### Harness errors: no verdict can be trusted\n\n")
		for _, h := range r.HarnessErrors {
			fmt.Fprintf(&b, "- %s\n", mdCell(h, 400))
		}
	}

	r.writeMarkdownFindings(&b)

	var failed []*Requirement
	for _, q := range r.Requirements {
		if q.Outcome == OutcomeFail || q.Outcome == OutcomeHarnessError || q.Outcome == OutcomeKnownFailure {
			failed = append(failed, q)
		}
	}
	if len(failed) > 0 {
		of := r.findingOf()
		b.WriteString("\n### Failed requirements\n\n| id | level | outcome | deviation | first failing spec | reason |\n|---|---|---|---|---|---|\n")
		for _, q := range failed {
			s := firstFailure(q)
			name, reason := "", ""
			if s != nil {
				name, reason = s.Name, s.Reason
				if n := len(failingOf(q)); n > 1 {
					name += fmt.Sprintf(" (and %d more)", n-1)
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", q.ID, q.Level, outcomeTitle[q.Outcome], r.mdFindingRefs(findingsFor(q, of)),
				mdCell(name, 200), mdCell(reason, 300))
		}
	}

	var blocked []*Requirement
	for _, q := range r.Requirements {
		if q.Outcome == OutcomeBlocked {
			blocked = append(blocked, q)
		}
	}
	if len(blocked) > 0 {
		fmt.Fprintf(&b, "\n### Blocked requirements (%d): not met, charged to their blocker\n\n", len(blocked))
		for _, q := range blocked {
			fmt.Fprintf(&b, "- **%s** (%s): %s\n", q.ID, q.Level, mdCell(strings.Join(q.Reasons, "; "), 400))
		}
	}

	if len(r.UncoveredMusts) > 0 {
		fmt.Fprintf(&b, "\n### ⚠️ MUST requirements not checked (%d)\n\n", len(r.UncoveredMusts))
		for _, u := range r.UncoveredMusts {
			fmt.Fprintf(&b, "- **%s** %s: %s", u.ID, outcomeTitle[u.Outcome], mdCell(u.Text, 200))
			if len(u.Reasons) > 0 {
				fmt.Fprintf(&b, " — %s", mdCell(strings.Join(u.Reasons, "; "), 300))
			}
			b.WriteString("\n")
		}
	}

	var skipped []*Requirement
	for _, q := range r.Requirements {
		if q.Outcome == OutcomeSkipped || q.Outcome == OutcomeNotSelected || q.Outcome == OutcomeNotApplicable {
			skipped = append(skipped, q)
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "\n%s<summary>Skipped, not applicable or not selected requirements (%d)</summary>\n\n", mdDetails.open, len(skipped))
		for _, q := range skipped {
			fmt.Fprintf(&b, "- **%s** (%s, %s): %s\n", q.ID, q.Level, outcomeTitle[q.Outcome], mdCell(strings.Join(q.Reasons, "; "), 400))
		}
		b.WriteString(mdDetails.closing())
	}
	if len(r.SuiteGuarantees) > 0 {
		b.WriteString("\n### The suite's own guarantees (not the target's)\n\n")
		for _, g := range r.SuiteGuarantees {
			holds := "holds"
			if !g.Holds {
				holds = "DOES NOT HOLD"
			}
			fmt.Fprintf(&b, "- **%s** (%s) %s: %s\n", g.ID, g.Level, holds, mdCell(g.Proof, 300))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeMarkdownFindings lists each finding once, with the one transcript and curl line its specs share, so
// the table of failed requirements can refer to it rather than repeat the exchange under every requirement.
func (r *Result) writeMarkdownFindings(b *bytes.Buffer) {
	if len(r.Findings) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### Deviations (%d)\n\nEach is one exchange with the target, under the specs that judged it and failed.\n", len(r.Findings))
	for i, f := range r.Findings {
		fmt.Fprintf(b, "\n#### Deviation %d: %s (%s)\n\n", i+1, mdCell(f.Title, 200), strings.ToUpper(f.Level))
		var meta []string
		if f.Scenario != "" {
			meta = append(meta, "scenario `"+mdCode(f.Scenario)+"`")
		}
		if len(f.Requirements) > 0 {
			meta = append(meta, "breaks "+strings.Join(f.Requirements, ", "))
		}
		meta = append(meta, Plural(len(f.Reasons), "failed spec"))
		b.WriteString(strings.Join(meta, " · ") + "\n\n")
		for _, why := range f.Reasons {
			ids := ""
			if len(why.Requirements) > 0 {
				ids = " (" + strings.Join(why.Requirements, ", ") + ")"
			}
			fmt.Fprintf(b, "- **%s**%s: %s\n", mdCell(why.Spec, 200), ids, mdCell(why.Reason, 400))
		}
		if f.Transcript != "" {
			b.WriteString("\n" + mdDetails.open + "<summary>Transcript</summary>\n\n")
			mdCodeBlock(b, mdCut(f.Transcript, mdTranscriptMax, "report.html and report.json hold the whole transcript"))
			b.WriteString(mdDetails.closing())
		}
		if f.Negative != "" {
			b.WriteString("\nGenerated body:\n\n")
			mdCodeBlock(b, f.Negative)
		}
		if f.Curl != "" {
			if len(f.Variables) > 0 {
				fmt.Fprintf(b, "\nReproduce it, after exporting %s (unset, curl sends it empty):\n\n", strings.Join(f.Variables, ", "))
			} else {
				b.WriteString("\nReproduce it:\n\n")
			}
			var cmd strings.Builder
			for _, v := range f.Variables {
				cmd.WriteString("export " + v + "=…\n")
			}
			cmd.WriteString(f.Curl)
			mdCodeBlock(b, cmd.String())
		}
	}
}

// mdFindingRefs names findings by number and scenario. Not "#1": GitHub links that to an issue.
func (r *Result) mdFindingRefs(idx []int) string {
	if len(idx) == 0 {
		return "—"
	}
	var refs []string
	for _, i := range idx {
		ref := fmt.Sprintf("deviation %d", i+1)
		if sc := r.Findings[i].Scenario; sc != "" {
			ref += " (`" + mdCode(sc) + "`)"
		}
		refs = append(refs, ref)
	}
	return strings.Join(refs, ", ")
}

// mdTranscriptMax keeps summary.md within what a pull request comment takes (65,536 characters) for a
// typical run; report.html carries transcripts whole.
const mdTranscriptMax = 4000

// mdCodeBlock writes text as a fenced code block, which GitHub shows as it is: a curl line copied from
// summary.md, raw or rendered, is the command that was run, and a transcript's HTML stays text.
func mdCodeBlock(b *bytes.Buffer, text string) {
	fence := mdFence(text)
	b.WriteString(fence.open + "\n" + strings.Trim(text, "\n") + "\n" + fence.closing())
}

// mdFence is text's code fence: three backticks, or one more than its longest run of them, so that none
// can end the block early.
func mdFence(text string) mdBlock {
	longest, run := 0, 0
	for i := 0; i < len(text); i++ {
		if text[i] != '`' {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	f := strings.Repeat("`", max(3, longest+1))
	return mdBlock{open: f, close: f}
}

// mdFenceLine says the line opens a code block, as mdCodeBlock writes one: backticks alone, three or more.
func mdFenceLine(line string) (mdBlock, bool) {
	if len(line) < 3 || strings.Trim(line, "`") != "" {
		return mdBlock{}, false
	}
	return mdBlock{open: line, close: line}, true
}

// mdBlock is a block summary.md opens with a line of its own and closes with another: a collapsed section,
// or a code block and its fence. It is what a cut inside it must close.
type mdBlock struct{ open, close string }

var (
	mdDetails = mdBlock{open: "<details>", close: "</details>"}
	// mdHTMLBlocks are the HTML blocks summary.md opens; a code block is told by its fence (mdFenceLine).
	mdHTMLBlocks = []mdBlock{mdDetails}
)

// code says the block is a code block: every line inside it is text, whatever it looks like, but its fence.
func (b mdBlock) code() bool {
	_, ok := mdFenceLine(b.open)
	return ok
}

// closing is the text that ends the block after a whole line; a collapsed section's markdown needs the
// blank line before its end.
func (b mdBlock) closing() string {
	if b == mdDetails {
		return "\n" + b.close + "\n"
	}
	return b.close + "\n"
}

// mdCut keeps the first max runes of text, saying where the rest is.
func mdCut(text string, max int, rest string) string {
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	return string([]rune(text)[:max]) + "\n… cut here: " + rest
}

var verdictTitle = map[Verdict]string{
	VerdictConformant:             "CONFORMANT",
	VerdictConformantWithWarnings: "CONFORMANT WITH WARNINGS",
	VerdictNonConformant:          "NON-CONFORMANT",
	VerdictHarnessError:           "HARNESS ERROR",
	VerdictKnownFailingStale:      "KNOWN-FAILING LIST STALE",
	VerdictInterrupted:            "INTERRUPTED",
}

var verdictIcon = map[Verdict]string{
	VerdictConformant:             "✅",
	VerdictConformantWithWarnings: "⚠️",
	VerdictNonConformant:          "❌",
	VerdictHarnessError:           "💥",
	VerdictKnownFailingStale:      "❌",
	VerdictInterrupted:            "⏹️",
}

// Title is the outcome as prose, the way the console, summary.md and report.html name it: "not selected"
// for not_selected.
func (o Outcome) Title() string {
	if t, ok := outcomeTitle[o]; ok {
		return t
	}
	return string(o)
}

var outcomeTitle = map[Outcome]string{
	OutcomePass:          "pass",
	OutcomeFail:          "fail",
	OutcomeKnownFailure:  "known failure",
	OutcomeBlocked:       "blocked",
	OutcomeSkipped:       "skipped",
	OutcomeNotApplicable: "not applicable",
	OutcomeNotSelected:   "not selected",
	OutcomeHarnessError:  "harness error",
	OutcomeNotCovered:    "not covered",
}

// failingOf are the specs behind a fail or harness_error outcome.
func failingOf(q *Requirement) []*Spec {
	if q.Outcome == OutcomeHarnessError {
		var out []*Spec
		for _, s := range q.Specs {
			if s.HarnessError() {
				out = append(out, s)
			}
		}
		return out
	}
	return q.FailingSpecs()
}

func firstFailure(q *Requirement) *Spec {
	if fs := failingOf(q); len(fs) > 0 {
		return fs[0]
	}
	return nil
}

// mdCell makes text safe in a table cell or list item: HTML is escaped (GitHub renders raw HTML), pipes are
// escaped, lines are joined with <br>, and it is cut to max runes.
func mdCell(s string, max int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		rs := []rune(s)
		s = strings.TrimSpace(string(rs[:max])) + "…"
	}
	s = mdText(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", "<br>")
}

var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func mdText(s string) string { return mdEscaper.Replace(s) }

// mdCode is text inside a code span: backticks cannot be escaped there, so they become quotes.
func mdCode(s string) string { return strings.ReplaceAll(s, "`", "'") }
