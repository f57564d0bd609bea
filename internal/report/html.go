package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"outcomeTitle": func(o Outcome) string { return outcomeTitle[o] },
	"join":         strings.Join,
	"words":        func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"upper":        strings.ToUpper,
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"dur": func(d time.Duration) string {
		if d >= time.Second {
			return d.Round(10 * time.Millisecond).String()
		}
		return d.Round(time.Millisecond).String()
	},
}).Parse(htmlSource))

// htmlView is what the page shows, arranged for the template.
type htmlView struct {
	*Result
	Title        string
	Elapsed      time.Duration
	Outcomes     []htmlCount
	Rows         []htmlRow
	Findings     []htmlFinding
	Failures     []htmlFailure // the failed specs no finding shows: harness errors and known failures
	Blocked      []*Requirement
	Skipped      []*Requirement
	NotSelected  []*Requirement
	VerdictTitle string
}

type htmlCount struct {
	Outcome Outcome
	N       int
}

type htmlRow struct {
	*Requirement
	Link     string        // the anchor of its first finding or failure, if any
	Findings []htmlFinding // the findings that fail it
	Tally    string        // "2 passed, 1 failed"
	NSpecs   int
}

type htmlFinding struct {
	*Finding
	N      int
	Anchor string
}

type htmlFailure struct {
	*Spec
	Anchor  string
	Curl    string
	Entries []Entry // the entries other than curl
	// Finding shows the same exchange: the spec refers to its transcript rather than repeat it.
	Finding *htmlFinding
}

// WriteHTML writes report.html: one self-contained page (inline CSS, no script, nothing fetched) with the
// verdict, the uncovered MUST requirements, the matrix by requirement linking to the deviations, each
// deviation once with its transcript and curl line, the harness errors and known failures, and the skipped
// requirements with their reasons. Everything the run recorded is HTML-escaped.
func (r *Result) WriteHTML(w io.Writer) error {
	v := htmlView{Result: r, VerdictTitle: verdictTitle[r.Verdict], Title: "gwconform: " + verdictTitle[r.Verdict]}
	if r.Run.Target != "" {
		v.Title += " · " + r.Run.Target
	}
	if !r.Run.Started.IsZero() && r.Finished.After(r.Run.Started) {
		v.Elapsed = r.Finished.Sub(r.Run.Started).Round(time.Millisecond)
	}
	for _, o := range Outcomes {
		v.Outcomes = append(v.Outcomes, htmlCount{o, r.Counts.Requirements[o]})
	}
	v.Findings = make([]htmlFinding, len(r.Findings))
	byScenario := map[string]*htmlFinding{}
	for i, f := range r.Findings {
		v.Findings[i] = htmlFinding{Finding: f, N: i + 1, Anchor: fmt.Sprintf("finding-%d", i+1)}
		if f.Scenario != "" {
			byScenario[f.Scenario] = &v.Findings[i]
		}
	}
	anchors := map[*Spec]string{}
	for i, s := range r.Specs {
		if !s.HarnessError() && !s.KnownFailure() {
			continue
		}
		f := htmlFailure{Spec: s, Anchor: fmt.Sprintf("failure-%d", i+1)}
		if s.Scenario != "" {
			f.Finding = byScenario[s.Scenario]
		}
		for _, e := range s.Entries {
			if e.Name == CurlEntry && f.Curl == "" {
				f.Curl = e.Value
				continue
			}
			f.Entries = append(f.Entries, e)
		}
		anchors[s] = f.Anchor
		v.Failures = append(v.Failures, f)
	}
	of := r.findingOf()
	for _, q := range r.Requirements {
		row := htmlRow{Requirement: q, Tally: tally(q), NSpecs: len(q.Specs)}
		for _, i := range findingsFor(q, of) {
			row.Findings = append(row.Findings, v.Findings[i])
		}
		if s := firstFailure(q); s != nil && anchors[s] != "" {
			row.Link = anchors[s]
		} else if len(row.Findings) > 0 {
			row.Link = row.Findings[0].Anchor
		}
		v.Rows = append(v.Rows, row)
		switch q.Outcome {
		case OutcomeBlocked:
			v.Blocked = append(v.Blocked, q)
		case OutcomeSkipped, OutcomeNotApplicable:
			v.Skipped = append(v.Skipped, q)
		case OutcomeNotSelected:
			v.NotSelected = append(v.NotSelected, q)
		}
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

var tallyOrder = []string{StateFailed, StateKnownFailure, StateBlocked, StatePassed, StateSkipped, StatePending, StateNotSelected}

func tally(q *Requirement) string {
	t := q.Tally()
	var parts []string
	for _, st := range tallyOrder {
		if n := t[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(st, "_", " ")))
			delete(t, st)
		}
	}
	harness := 0
	for _, n := range t {
		harness += n
	}
	if harness > 0 {
		parts = append(parts, fmt.Sprintf("%d harness error", harness))
	}
	return strings.Join(parts, ", ")
}
