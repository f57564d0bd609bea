package report

import (
	"encoding/json"
	"io"
)

// WriteJSON writes report.json: the run's configuration, the verdict and its exit code, the counts, every
// requirement with its outcome, level, text and evidence (the specs naming it, with their state, reason,
// transcript and report entries), and the uncovered MUST requirements.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // transcripts stay readable: nothing here is embedded in a page
	return enc.Encode(r)
}
