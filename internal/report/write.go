package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Files written by WriteAll.
const (
	JSONFile     = "report.json"
	HTMLFile     = "report.html"
	MarkdownFile = "summary.md"
	// BodiesDir holds, byte for byte, the request bodies too long or too binary for their curl line.
	BodiesDir = "bodies"
)

// StepSummaryEnv names the file GitHub Actions shows as the job's summary.
const StepSummaryEnv = "GITHUB_STEP_SUMMARY"

// WriteAll writes report.json, report.html and summary.md into dir (created if missing), and appends
// summary.md to the file named by $GITHUB_STEP_SUMMARY when getenv returns one. Every failure is returned;
// one failed file does not stop the others, and nothing here changes the verdict.
func (r *Result) WriteAll(dir string, getenv func(string) string) []error {
	var errs []error
	if err := os.MkdirAll(dir, 0o755); err != nil {
		errs = append(errs, fmt.Errorf("report directory %s: %w", dir, err))
	}
	var summary bytes.Buffer
	summaryErr := r.WriteMarkdown(&summary)
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{JSONFile, r.WriteJSON},
		{HTMLFile, r.WriteHTML},
		{MarkdownFile, func(w io.Writer) error {
			if summaryErr != nil {
				return summaryErr
			}
			_, err := w.Write(summary.Bytes())
			return err
		}},
	} {
		if err := writeFile(filepath.Join(dir, f.name), f.write); err != nil {
			errs = append(errs, err)
		}
	}
	if getenv == nil {
		return errs
	}
	if path := getenv(StepSummaryEnv); path != "" && summaryErr == nil {
		if err := appendFile(path, summary.Bytes()); err != nil {
			errs = append(errs, fmt.Errorf("$%s: %w", StepSummaryEnv, err))
		}
	}
	return errs
}

// writeFile renders into memory first, so a rendering error leaves no half-written report behind.
func writeFile(path string, write func(io.Writer) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write %s: %v", path, p)
		}
	}()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return fmt.Errorf("render %s: %w", path, err)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// appendFile adds one summary to the step summary file, separated from whatever an earlier step wrote.
func appendFile(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	out := append([]byte{}, content...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	_, werr := f.Write(append(out, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}
