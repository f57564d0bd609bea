package suite

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gwconform/gwconform/internal/redact"
	"github.com/gwconform/gwconform/internal/report"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
)

// Define registers every spec with Ginkgo, each judging what Record recorded. Call it once, after Record
// and before RunSpecs. A spec whose scenario was not recorded whole is a harness error (it panics or aborts
// the suite), never a verdict.
func (t *Target) Define() {
	RegisterFailHandler(Fail)
	for _, sc := range t.Scenarios.Scenarios {
		t.defineScenario(sc, t.specsOf(sc))
	}
}

// defineScenario registers one container per scenario and one spec per check, so a full spec name reads as
// the requirement: "POST /v1/chat/completions without Authorization answers status 401".
func (t *Target) defineScenario(sc scenario.Scenario, specs []Spec) {
	Describe(sc.Name(), func() {
		for i, s := range specs {
			It(s.Leaf, Label(s.Labels...), func() {
				got := t.recorded[sc.ID]
				switch {
				case got == nil:
					panic("harness: scenario " + sc.ID + " was selected but not recorded")
				case !got.done:
					AbortSuite("the run stopped (deadline or interrupt) before this scenario's requests were all answered, so nothing here can be judged")
				}
				if got.skip != "" {
					Skip(got.skip)
				}
				e := evidence{sc: sc, exs: got.exs, repeats: got.repeats, controls: got.controls, retries: got.retries,
					throttled: got.throttled, note: got.note, sent: requestSent(got), seen: got.seen, headerRedactor: headerRedaction{t.transcriptRedactor}, witness: t.offers.Witness, schemas: t.Schemas, secrets: t.secrets(sc), upstreamTimeout: t.offers.UpstreamTimeout, slowest: t.slowest,
					sdk: got.sdk, sdkRetry: got.sdkRetry}
				if why, block := s.check.unjudged(e); why != "" {
					if block != nil {
						AddReportEntry(report.BlockEntry, *block, ReportEntryVisibilityNever)
					}
					Skip(why)
				}
				if i == 0 {
					// The contract leaves 403/429/500/503 types open: what the target chose is reported (INFO).
					AddReportEntry(report.AnswerEntry, observed(e), ReportEntryVisibilityFailureOrVerbose)
				}
				Expect(e).To(honour(s.check, t.transcriptRedactor, func() {
					// A failure carries the exchanges and the command that reproduces it by hand, each key
					// shown as the variable that holds it. The curl line keeps the prompt: it must send the
					// request exactly as the suite did.
					AddReportEntry(report.TranscriptEntry, t.transcriptRedactor.String(e.transcripts()), ReportEntryVisibilityFailureOrVerbose)
					if sc.Generated != nil {
						AddReportEntry(report.NegativeEntry, t.redactor.String(t.negativeEntry(sc, got)), ReportEntryVisibilityFailureOrVerbose)
					}
					if len(e.exs) > 0 {
						AddReportEntry(report.CurlEntry, t.redactor.String(curlLine(e.exs[0], t.bodyFile(sc, e.exs[0]), t.redactor.HeaderValue)), ReportEntryVisibilityNever)
					}
				}))
			})
		}
	})
}

// secrets are the values a scenario's answer must not echo: the valid key and the token it presented.
func (t *Target) secrets(sc scenario.Scenario) []string {
	var out []string
	for _, k := range t.keys {
		out = append(out, k)
	}
	for _, values := range t.headers {
		out = append(out, values...)
	}
	if v, ok := sc.Request.Credential.Authorization(t.keys[sc.Request.Credential.Role()]); ok {
		_, token, found := strings.Cut(v, " ")
		if !found {
			token = v
		}
		out = append(out, token)
	}
	return out
}

// observed is the first answer's status and error.type, as a line of the report.
func observed(e evidence) string {
	r, err := e.answer()
	if err != nil {
		return err.Error()
	}
	if !hasErrorObject(r) {
		return fmt.Sprintf("%d, no error object", r.Status)
	}
	return fmt.Sprintf("%d, error.type %s", r.Status, describeMember(r, "type"))
}

// transcripts are every exchange of the scenario, each headed by its part: the answer judged, the same
// request sent again, a twin, a retry.
func (e evidence) transcripts() string {
	var b strings.Builder
	add := func(head string, ex *exchange.Exchange) {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		if head != "" {
			b.WriteString("# " + head + "\n")
		}
		r := e.headerRedactor
		if r == nil {
			r = headerRedaction{} // a nil redactor hides nothing
		}
		b.WriteString(ex.Transcript(r))
		if sg, ok := e.seen[ex]; ok {
			if sg.err == nil && !sg.Reached && markedByTheUpstream(ex) {
				b.WriteString("= the upstream's witness saw no request with this nonce, yet the answer carries the upstream's marker: the request reached the upstream, its nonce dropped or rewritten on the way\n")
			} else {
				b.WriteString("= " + sg.String() + "\n")
			}
		}
		if relayed(ex) {
			b.WriteString("= this error carries the upstream's marker: the gateway passed the upstream's own answer on\n")
		}
	}
	for _, ex := range e.exs {
		add("", ex)
	}
	for _, ex := range e.repeats {
		add("sent again (REQ-10)", ex)
	}
	for _, name := range scenario.ControlNames {
		if ex, ok := e.controls[name]; ok {
			add("the "+name+" twin", ex)
		}
	}
	if ex, ok := e.controls[plainTwin]; ok {
		add("the same request without stream: true", ex)
	}
	for i, ex := range e.retries {
		add(fmt.Sprintf("retry %d", i+1), ex)
	}
	for _, ex := range e.throttled {
		add("answered 429 and sent again: the target pacing the suite, not judged", ex)
	}
	e.sdkTranscripts(add)
	return b.String()
}

// headerRedaction hides the secrets of the request's own headers as a transcript renders them, however
// short, and leaves the rest to the caller, which redacts the whole text at once.
type headerRedaction struct{ r *redact.Redactor }

func (headerRedaction) String(s string) string { return s }

func (h headerRedaction) HeaderValue(v string) string { return h.r.HeaderValue(v) }

// bodyFile writes the request's body, byte for byte, where its curl line reads it when it cannot be pasted
// inline, and returns the path: "" when there is no body to write or nowhere to write it.
func (t *Target) bodyFile(sc scenario.Scenario, ex *exchange.Exchange) string {
	if t.reproDir == "" || ex.Request.Source == nil || inline(ex.Request) {
		return ""
	}
	path := filepath.Join(t.reproDir, sc.ID+".body")
	t.writtenMu.Lock()
	defer t.writtenMu.Unlock()
	if t.written[path] {
		return path // for another spec of the scenario: the same request
	}
	// Written afresh on every run: a file left by an earlier run may hold another target's model.
	if err := writeBody(path, ex.Request.Source); err != nil {
		return ""
	}
	t.written[path] = true
	return path
}

func writeBody(path string, body exchange.Body) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body.NewReader()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// requestSent is the body of the request whose answer the specs judge first: what an echo is compared with.
func requestSent(s *sent) []byte {
	if len(s.exs) == 0 {
		return nil
	}
	return s.exs[0].Request.Body
}
