package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
	"go.yaml.in/yaml/v3"

	"github.com/gwconform/gwconform/internal/reference/gateway"
)

// Kinds of example, as exampleProblems counts them.
const (
	exampleProfile  = "profile"
	exampleWorkflow = "workflow"
	exampleCommand  = "command"
)

// A reader copies the docs' examples: every one of them must run as written. A profile passes profile
// check, a workflow gives the action only inputs it has, and a command line names a command and flags that
// exist, each with a value of its type.
func TestDocExamplesRun(t *testing.T) {
	t.Parallel()
	total := map[string]int{}
	for _, file := range docFiles(t) {
		problems, checked := exampleProblems(t, readFile(t, file))
		for _, p := range problems {
			t.Errorf("%s:%s", file, p)
		}
		for kind, n := range checked {
			total[kind] += n
		}
	}
	// The docs have one of each: finding none means the examples were not found, not that they run.
	for _, kind := range []string{exampleProfile, exampleWorkflow, exampleCommand} {
		if total[kind] == 0 {
			t.Errorf("found no %s example to check in %d doc files", kind, len(docFiles(t)))
		}
	}
}

// The checker finds each way an example breaks, and passes the ways the docs write a placeholder.
func TestBrokenDocExamplesAreFound(t *testing.T) {
	t.Parallel()
	sh := func(line string) string { return "```sh\n" + line + "\n```\n" }
	for block, broken := range map[string]bool{
		"```yaml\nkeys: {zero_credit: GWC_ZERO_CREDIT_KEY}\nlacks: [credits]\n```\n":                          true,
		"```yaml\nupstream: {timout: 2s}\n```\n":                                                              true,
		"```yaml\nkeys: {zero_credit: GWC_ZERO_CREDIT_KEY}\n```\n":                                            false,
		"```yaml\n# a comment alone\n```\n":                                                                   false,
		"```yaml\njobs: {c: {steps: [{uses: " + actionName + "@v1, with: {targte: x}}]}}\n```\n":              true,
		"```yaml\njobs: {c: {steps: [{uses: " + actionName + "@v1, with: {label-filter: '&&'}}]}}\n```\n":     true,
		"```yaml\njobs: {c: {steps: [{uses: " + actionName + "@v1, with: {target: x}}]}}\n```\n":              false,
		sh("bin/gwconform run --timeout 10"):                                                                  true,
		sh("bin/gwconform run --no-such-flag"):                                                                true,
		sh("bin/gwconform run --target"):                                                                      true,
		sh("bin/gwconform run --target x stray"):                                                              true,
		sh("gwconform frobnicate"):                                                                            true,
		sh("gwconform run --label-filter 'req:AUTH-1 &&'"):                                                    true,
		sh("gwconform run --fail-on sometimes"):                                                               true,
		sh("gwconform serve --defect no-such-defect"):                                                         true,
		sh("gwconform profile check --billable"):                                                              true,
		sh("gwconform run --target 'unterminated"):                                                            true,
		sh("curl -s http://127.0.0.1:8080/v1/models"):                                                         true,
		sh("API_KEY=<demo key> bin/gwconform run --target <base URL> -v # a comment"):                         false,
		sh("K=${{ secrets.K }} \\\n  gwconform run --timeout 2s --label-filter '!envelope' --fail-on SHOULD"): false,
		sh("gwconform profile check my.yaml --billable\ngwconform serve --defect flat-envelope\nmake run"):    false,
	} {
		want := 0
		if broken {
			want = 1
		}
		if problems, _ := exampleProblems(t, block); len(problems) != want {
			t.Errorf("%s: problems %q, want %d", block, problems, want)
		}
	}
}

// actionName is the action as a workflow names it in uses: this repository on GitHub.
const actionName = "gwconform/gwconform"

// exampleProblems checks every example of a Markdown text and says, as "LINE: what", what is wrong with
// each broken one, and how many of each kind it checked.
func exampleProblems(t *testing.T, markdown string) (problems []string, checked map[string]int) {
	t.Helper()
	checked = map[string]int{}
	for _, f := range fences(markdown) {
		switch f.lang {
		case "yaml", "yml":
			kind, err := checkYAMLExample(t, f.text)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%d: %v", f.line, err))
			}
			if kind != "" {
				checked[kind]++
			}
		case "sh", "bash", "shell":
			for _, line := range shellLines(f) {
				words, err := shellWords(line.text)
				if err == nil {
					words, err = gwconformArgs(words)
				}
				if err == nil && words != nil {
					checked[exampleCommand]++
					err = parseExample(words)
				}
				if err != nil {
					problems = append(problems, fmt.Sprintf("%d: %s: %v", line.line, strings.TrimSpace(line.text), err))
				}
			}
		}
	}
	return problems, checked
}

// fence is one fenced code block: its language, its text, and the line of the file its text starts on.
type fence struct {
	lang, text string
	line       int
}

var fenceOpen = regexp.MustCompile("^( *)(```+)([A-Za-z]*)")

// fences are a Markdown text's fenced code blocks; a block inside a list item loses the item's indent.
func fences(markdown string) []fence {
	var out []fence
	lines := strings.Split(markdown, "\n")
	for i := 0; i < len(lines); i++ {
		m := fenceOpen.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		indent, marker := m[1], m[2]
		f := fence{lang: m[3], line: i + 2}
		var body []string
		for i++; i < len(lines); i++ {
			if closing := strings.TrimSpace(lines[i]); strings.HasPrefix(closing, marker) && strings.Trim(closing, "`") == "" {
				break
			}
			body = append(body, strings.TrimPrefix(lines[i], indent))
		}
		f.text = strings.Join(body, "\n") + "\n"
		out = append(out, f)
	}
	return out
}

// checkYAMLExample holds a yaml example to what it is: a workflow (it has jobs) to action.yml's inputs, and
// anything else to profile check, which refuses what is no profile. A block of comments alone (the schema
// line an editor reads) is no example.
func checkYAMLExample(t *testing.T, text string) (kind string, err error) {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return "", fmt.Errorf("not YAML: %v", err)
	}
	switch {
	case doc == nil:
		return "", nil
	case doc["jobs"] != nil:
		return exampleWorkflow, checkWorkflow(t, text)
	}
	r := inProcess("profile", "check", writeFile(t, text))
	if r.code != exitConformant {
		return exampleProfile, fmt.Errorf("the profile example fails profile check (exit %d): %s", r.code, strings.TrimSpace(r.stderr))
	}
	return exampleProfile, nil
}

// checkWorkflow holds the steps of a workflow that use this action to the inputs action.yml declares.
func checkWorkflow(t *testing.T, text string) error {
	t.Helper()
	var action struct {
		Inputs map[string]any `yaml:"inputs"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, filepath.Join("..", "..", "action.yml"))), &action); err != nil {
		t.Fatal(err)
	}
	var workflow struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(text), &workflow); err != nil {
		return fmt.Errorf("not a workflow: %v", err)
	}
	var errs []error
	uses := 0
	for _, job := range workflow.Jobs {
		for _, step := range job.Steps {
			if !strings.HasPrefix(step.Uses, actionName+"@") {
				continue
			}
			uses++
			for _, input := range sortedKeys(step.With) {
				if _, ok := action.Inputs[input]; !ok {
					errs = append(errs, fmt.Errorf("the workflow gives %s the input %s, which action.yml does not declare (it has %s)", actionName, input, strings.Join(sortedKeys(action.Inputs), ", ")))
				}
			}
			if filter := step.With["label-filter"]; filter != "" {
				if err := checkLabelFilter(filter); err != nil {
					errs = append(errs, fmt.Errorf("label-filter: %v", err))
				}
			}
		}
	}
	if uses == 0 {
		errs = append(errs, fmt.Errorf("the workflow has no step that uses %s", actionName))
	}
	return errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// shellLine is one command line of a sh example, its continuations joined, and the line it starts on.
type shellLine struct {
	text string
	line int
}

func shellLines(f fence) []shellLine {
	var out []shellLine
	var joined strings.Builder
	start := f.line
	for i, line := range strings.Split(strings.TrimSuffix(f.text, "\n"), "\n") {
		if joined.Len() == 0 {
			start = f.line + i
		}
		if continued, ok := strings.CutSuffix(line, "\\"); ok {
			joined.WriteString(continued + " ")
			continue
		}
		joined.WriteString(line)
		if strings.TrimSpace(joined.String()) != "" {
			out = append(out, shellLine{joined.String(), start})
		}
		joined.Reset()
	}
	return out
}

// assignment is a shell word that sets a variable for the command after it: API_KEY=<demo key>.
var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// gwconformArgs are the arguments of a gwconform command line, its leading VAR=value assignments dropped;
// nil for a line of a tool the docs use beside it (go install, make, export, du), and the command itself
// under /usr/bin/time. Any other line is one this
// test cannot check, and says so rather than pass it.
func gwconformArgs(words []string) ([]string, error) {
	for len(words) > 0 && assignment.MatchString(words[0]) {
		words = words[1:]
	}
	// A measurement wraps the command: /usr/bin/time -v gwconform ...
	if len(words) > 0 && words[0] == "/usr/bin/time" {
		for words = words[1:]; len(words) > 0 && strings.HasPrefix(words[0], "-"); words = words[1:] {
		}
	}
	switch {
	case len(words) == 0:
		return nil, nil
	case words[0] == "gwconform" || words[0] == "bin/gwconform":
		return words[1:], nil
	case slices.Contains([]string{"go", "make", "export", "du"}, words[0]):
		return nil, nil
	}
	return nil, fmt.Errorf("%s is no gwconform command this test knows how to check", words[0])
}

// exampleFlagSets are the flag sets of the commands an example may run, by the words that name the command
// ("profile check"): each command's own, which TestExampleFlagSetsAreEveryCommands holds to commands().
func exampleFlagSets() map[string]func() *flag.FlagSet {
	return map[string]func() *flag.FlagSet{
		"run":           func() *flag.FlagSet { fs, _ := runFlags(); return fs },
		"serve":         func() *flag.FlagSet { fs, _ := serveFlags(); return fs },
		"upstream":      func() *flag.FlagSet { fs, _ := upstreamFlags(); return fs },
		"list":          func() *flag.FlagSet { fs, _ := listFlags(); return fs },
		"version":       versionFlags,
		"profile draft": func() *flag.FlagSet { fs, _ := profileDraftFlags(); return fs },
		"profile check": func() *flag.FlagSet { fs, _ := profileCheckFlags(); return fs },
	}
}

// Every command and profile subcommand but help has its flag set among exampleFlagSets, and nothing else
// is there: a command added later is checked in the docs' examples too.
func TestExampleFlagSetsAreEveryCommands(t *testing.T) {
	t.Parallel()
	var want []string
	for _, c := range commands() {
		switch c.name {
		case "help":
		case "profile":
			for _, sub := range profileSubcommands() {
				want = append(want, "profile "+sub.name)
			}
		default:
			want = append(want, c.name)
		}
	}
	sort.Strings(want)
	if got := sortedKeys(exampleFlagSets()); !slices.Equal(got, want) {
		t.Errorf("exampleFlagSets has %v, want the commands %v", got, want)
	}
}

// parseExample parses a gwconform command line's arguments as the command would: its name, its flags with
// its own flag set, and the values a flag's type cannot judge (a label filter, a level, a defect's name).
func parseExample(args []string) error {
	if len(args) == 0 {
		return errors.New("no command")
	}
	name, rest := args[0], args[1:]
	if name == "profile" && len(rest) > 0 {
		name, rest = name+" "+rest[0], rest[1:]
	}
	newFlags, ok := exampleFlagSets()[name]
	if !ok {
		return fmt.Errorf("gwconform %s is no command", name)
	}
	if name == "profile check" {
		var file string
		if file, rest = fileFirst(rest); file == "" {
			return errors.New("profile check wants the profile's path first")
		}
	}
	fs := newFlags()
	fs.SetOutput(io.Discard)
	if err := fs.Parse(rest); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var errs []error
	fs.Visit(func(f *flag.Flag) {
		if err := checkFlagValue(f); err != nil {
			errs = append(errs, fmt.Errorf("--%s: %v", f.Name, err))
		}
	})
	return errors.Join(errs...)
}

// checkFlagValue judges the values a flag's type cannot: a label filter, a --fail-on level, a defect's name.
func checkFlagValue(f *flag.Flag) error {
	switch f.Name {
	case "label-filter":
		return checkLabelFilter(f.Value.String())
	case "fail-on":
		_, err := failOnOf(f.Value.String())
		return err
	case "defect":
		for _, name := range *f.Value.(*multiFlag) {
			if _, ok := gateway.LookupDefect(name); !ok {
				return fmt.Errorf("%s is no defect", name)
			}
		}
	}
	return nil
}

// checkLabelFilter refuses what is no Ginkgo label filter, in one line (Ginkgo's own error draws a caret
// in colour over several).
func checkLabelFilter(filter string) error {
	if _, err := types.ParseLabelFilter(filter); err != nil {
		return fmt.Errorf("%q is not a Ginkgo label filter", filter)
	}
	return nil
}

// flagTableHeadings are cliDoc's headings over a table of a command's flags, by that command.
var flagTableHeadings = map[string]string{
	"run":      "## `gwconform run` flags",
	"serve":    "## `gwconform serve` flags",
	"upstream": "## `gwconform upstream` flags",
}

// tableFlag is a flag as a table's first column spells it: --name, or -v for a one-letter flag.
var tableFlag = regexp.MustCompile("`(-{1,2}[a-z][a-z0-9-]*)")

// The docs' tables of run's, serve's and upstream's flags are those flags: each flag of the command is in
// its table, and the table names no flag the command does not have.
func TestReadmeFlagTablesAreTheFlags(t *testing.T) {
	t.Parallel()
	doc := cliDoc
	for _, cmd := range sortedKeys(flagTableHeadings) {
		documented := map[string]bool{}
		for _, row := range strings.Split(sectionUnder(t, doc, flagTableHeadings[cmd]), "\n") {
			if !strings.HasPrefix(row, "| `-") {
				continue
			}
			cell, _, _ := strings.Cut(strings.TrimPrefix(row, "| "), " | ")
			for _, m := range tableFlag.FindAllStringSubmatch(cell, -1) {
				documented[m[1]] = true
			}
		}
		exampleFlagSets()[cmd]().VisitAll(func(f *flag.Flag) {
			spelt := "--" + f.Name
			if len(f.Name) == 1 {
				spelt = "-" + f.Name
			}
			if !documented[spelt] {
				t.Errorf("%s's table of %s flags does not document %s", doc, cmd, spelt)
			}
			delete(documented, spelt)
		})
		for _, extra := range sortedKeys(documented) {
			t.Errorf("%s's table of %s flags documents %s, which gwconform %s does not have", doc, cmd, extra, cmd)
		}
	}
}

// sectionUnder is doc's text from heading to the next heading of level 3 or above.
func sectionUnder(t *testing.T, doc, heading string) string {
	t.Helper()
	readme := readDoc(t, doc)
	start := strings.Index(readme, "\n"+heading+"\n")
	if start < 0 {
		t.Fatalf("%s has no heading %q", doc, heading)
	}
	section := readme[start+1+len(heading):]
	if end := regexp.MustCompile(`\n#{1,3} `).FindStringIndex(section); end != nil {
		section = section[:end[0]]
	}
	return section
}

// shellWords reads the quoting of replay lines and the placeholders of the docs as a shell reads them.
func TestShellWordsSplitsAsAShellDoes(t *testing.T) {
	t.Parallel()
	for line, want := range map[string][]string{
		`gwconform run --label-filter 'req:REQ-4 || neg' --header "X-A: b c" --x='it'\''s'`: {"gwconform", "run", "--label-filter", "req:REQ-4 || neg", "--header", "X-A: b c", "--x=it's"},
		"API_KEY=<demo key> bin/gwconform run --target <base URL>   # a comment":            {"API_KEY=<demo key>", "bin/gwconform", "run", "--target", "<base URL>"},
		"K=${{ secrets.K }} gwconform a#b":                                                  {"K=${{ secrets.K }}", "gwconform", "a#b"},
	} {
		if got, err := shellWords(line); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %q (%v), want %q", line, got, err, want)
		}
	}
	for _, line := range []string{`a 'open`, `a "open`, `a <open`, `a ${{ open`, `a \`} {
		if got, err := shellWords(line); err == nil {
			t.Errorf("%s: %q, want an error", line, got)
		}
	}
}
