package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// StepSummaryMax bounds, in bytes, what one run appends to $GITHUB_STEP_SUMMARY. GitHub refuses a step's
// summary over 1 MiB, and a run with many deviations writes several (6.6 MB was seen); the 24 KiB left is
// headroom for what the Action's script adds in the same step.
const StepSummaryMax = 1000 << 10

// WriteAll writes report.json, report.html and summary.md into dir (created if missing), and appends
// summary.md to the file named by $GITHUB_STEP_SUMMARY when getenv returns one, cut to StepSummaryMax. Every failure is returned;
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
		if err := appendFile(path, stepSummary(summary.Bytes(), dir)); err != nil {
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

// appendFile adds content to the end of the file at path.
func appendFile(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.Write(content)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// stepSummary is what a run appends to $GITHUB_STEP_SUMMARY: summary.md, cut to StepSummaryMax, with a
// pointer to the whole reports in dir when cut.
func stepSummary(md []byte, dir string) []byte {
	return cutStepSummary(md, StepSummaryMax, stepSummaryPointer(dir))
}

// stepSummaryPointer ends a cut step summary: where the whole of it is.
func stepSummaryPointer(dir string) string {
	return fmt.Sprintf("\n**✂️ The step summary is cut here, at %d KiB, under GitHub's limit. The whole summary is in `%s`, the full report in `%s`.**\n",
		StepSummaryMax>>10, mdCode(filepath.Join(dir, MarkdownFile)), mdCode(filepath.Join(dir, HTMLFile)))
}

// cutStepSummary is md and a blank line that parts it from whatever is appended after it, when that fits
// in limit bytes. Else it is the most of md's lines that fit together with the closing lines of the blocks
// they end inside (so the pointer does not show inside a transcript or a collapsed section) and pointer.
func cutStepSummary(md []byte, limit int, pointer string) []byte {
	whole := bytes.Clone(md)
	if len(whole) > 0 && whole[len(whole)-1] != '\n' {
		whole = append(whole, '\n')
	}
	if whole = append(whole, '\n'); len(whole) <= limit {
		return whole
	}
	var open, openAtCut []mdBlock
	cut := 0
	for end := 0; end < len(md) && end <= limit; {
		line, _, _ := bytes.Cut(md[end:], []byte("\n"))
		end += len(line) + 1
		open = track(open, string(line))
		if end <= len(md) && end+closingLen(open)+len(pointer)+1 <= limit {
			cut, openAtCut = end, slices.Clone(open)
		}
	}
	out := bytes.Clone(md[:cut])
	for i := len(openAtCut) - 1; i >= 0; i-- {
		out = append(out, openAtCut[i].closing()...)
	}
	return append(append(out, pointer...), '\n')
}

// track is the blocks open after line, given those open before it. Inside a code block only its fence
// counts: a transcript's lines are the target's text, and may look like anything.
func track(open []mdBlock, line string) []mdBlock {
	if n := len(open); n > 0 && open[n-1].code() {
		if line == open[n-1].close {
			return open[:n-1]
		}
		return open
	}
	if fence, ok := mdFenceLine(line); ok {
		return append(open, fence)
	}
	for _, b := range mdHTMLBlocks {
		switch {
		case strings.HasPrefix(line, b.open):
			return append(open, b)
		case line == b.close && len(open) > 0 && open[len(open)-1] == b:
			return open[:len(open)-1]
		}
	}
	return open
}

func closingLen(open []mdBlock) int {
	n := 0
	for _, b := range open {
		n += len(b.closing())
	}
	return n
}
