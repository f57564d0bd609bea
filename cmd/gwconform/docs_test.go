package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The documentation's files, named once: a test that holds a passage to the code reads it in the file it
// lives in, so a passage that moves changes one name here.
const (
	// readmeDoc is what a newcomer reads first: setting up, testing a gateway, CI, and the console's marks.
	readmeDoc = "README.md"
	// contributingDoc is the layout, where a scenario's pieces live, naming rules and the glossary.
	contributingDoc = "CONTRIBUTING.md"
	// cliDoc is every command: the list of them, run's, serve's and upstream's flag tables, and `version`.
	cliDoc = "docs/cli.md"
	// coverageDoc is what the suite checks, and its charging table.
	coverageDoc = "docs/coverage.md"
	// resultsDoc is how to read a run's console and reports, with its sample console.
	resultsDoc = "docs/reading-results.md"
	// referenceDoc is the reference gateway and its defect table.
	referenceDoc = "docs/reference-gateway.md"
)

// repoRoot is the repository's top, from this package's directory.
var repoRoot = filepath.Join("..", "..")

// docPath is a doc file's path from this package's directory; name is as the constants above spell it.
func docPath(name string) string { return filepath.Join(repoRoot, filepath.FromSlash(name)) }

// readDoc is the text of a doc file named as the constants above spell it.
func readDoc(t *testing.T, name string) string {
	t.Helper()
	return readFile(t, docPath(name))
}

// docFiles are every Markdown file of the documentation: README.md, CONTRIBUTING.md and docs/*.md.
func docFiles(t *testing.T) []string {
	t.Helper()
	more, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{docPath(readmeDoc), docPath(contributingDoc)}, more...)
}

// Every relative link of the docs leads somewhere: to a file of the tree, and where it names an anchor, to a
// heading of that file. A page moved or renamed leaves no reader at a dead end.
func TestDocLinksResolve(t *testing.T) {
	t.Parallel()
	links := 0
	for _, file := range docFiles(t) {
		problems, n := linkProblems(file)
		links += n
		for _, p := range problems {
			t.Errorf("%s: %s", file, p)
		}
	}
	// The README links to the docs: finding no link means links were not found, not that they resolve.
	if links == 0 {
		t.Error("found no relative link to check")
	}
}

// The checker finds a link to a missing file and one to a missing heading, and passes those that resolve.
func TestBrokenDocLinksAreFound(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"other.md":     "# Other page\n\n## `gwconform run` flags\n",
		"schema.json":  "{}\n",
		"sub/inner.md": "# Inner\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for text, broken := range map[string]bool{
		"[a](other.md)":                          false,
		"[a](other.md#gwconform-run-flags)":      false,
		"[a](schema.json)":                       false,
		"[a](sub/inner.md#inner)":                false,
		"[a](#here)\n\n## Here\n":                false,
		"[a](https://example.com/none.md)":       false,
		"```\n[a](missing.md)\n```\n":            false,
		"[a](missing.md)":                        true,
		"[a](other.md#no-such-heading)":          true,
		"[a](#nowhere)":                          true,
		"[a](sub/missing.json)":                  true,
		"see [a](other.md) and [b](gone.md)":     true,
		"[a](other.md#other-page) [b](other.md)": false,
	} {
		file := filepath.Join(dir, "page.md")
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		problems, _ := linkProblems(file)
		if got := len(problems) > 0; got != broken {
			t.Errorf("%q: problems %q, want broken %v", text, problems, broken)
		}
	}
}

// mdLink is an inline Markdown link's target: [text](target).
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// linkProblems says what is wrong with each relative link of a Markdown file, and how many it checked.
// Links inside fenced code are code, not links; a link with a scheme leaves the repository and is not
// followed.
func linkProblems(file string) (problems []string, checked int) {
	text, err := os.ReadFile(file)
	if err != nil {
		return []string{err.Error()}, 0
	}
	for i, line := range proseLines(string(text)) {
		for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			if err := resolveLink(file, target); err != nil {
				problems = append(problems, fmt.Sprintf("%d: %s: %v", i+1, target, err))
			}
		}
	}
	return problems, checked
}

// proseLines are a Markdown text's lines, with those of fenced code blocks emptied so numbering holds.
func proseLines(markdown string) []string {
	lines := strings.Split(markdown, "\n")
	inFence := false
	for i, line := range lines {
		fenceLine := strings.HasPrefix(strings.TrimSpace(line), "```")
		if inFence || fenceLine {
			lines[i] = ""
		}
		if fenceLine {
			inFence = !inFence
		}
	}
	return lines
}

// resolveLink finds a link's file, relative to the file it is in, and its anchor among that file's headings.
func resolveLink(from, target string) error {
	path, anchor, _ := strings.Cut(target, "#")
	file := from
	if path != "" {
		file = filepath.Join(filepath.Dir(from), filepath.FromSlash(path))
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("no such file %s", file)
	}
	if anchor == "" {
		return nil
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if !headingAnchors(string(text))[anchor] {
		return fmt.Errorf("%s has no heading whose anchor is #%s", file, anchor)
	}
	return nil
}

var (
	headingLine = regexp.MustCompile(`^#{1,6} +(.+?) *#*$`)
	// notInAnchor is what GitHub drops from a heading to make its anchor: all but letters, digits, spaces,
	// hyphens and underscores.
	notInAnchor = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

// headingAnchors are the anchors GitHub gives a Markdown text's headings: lower case, punctuation dropped,
// spaces as hyphens, and a repeated one numbered (-1, -2).
func headingAnchors(markdown string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	for _, line := range proseLines(markdown) {
		m := headingLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		a := strings.ReplaceAll(notInAnchor.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		if n := seen[a]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}
