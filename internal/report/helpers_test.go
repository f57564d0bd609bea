package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/requirements"
	"github.com/onsi/ginkgo/v2/types"
)

// inScenario moves a fixture's spec from scenario s1, which labels() gives every spec, to another exchange.
func inScenario(id string) specOpt {
	return func(s *types.SpecReport) {
		for i, l := range s.LeafNodeLabels {
			if strings.HasPrefix(l, "scenario:") {
				s.LeafNodeLabels[i] = "scenario:" + id
			}
		}
	}
}

func contract(t testing.TB) requirements.List {
	t.Helper()
	c, err := requirements.Parse([]byte(contractMD))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func spec(container, leaf string, state types.SpecState, labels []string, opts ...specOpt) types.SpecReport {
	s := types.SpecReport{
		LeafNodeType:             types.NodeTypeIt,
		ContainerHierarchyTexts:  []string{container},
		ContainerHierarchyLabels: [][]string{{}},
		LeafNodeText:             leaf,
		LeafNodeLabels:           labels,
		State:                    state,
		RunTime:                  12 * time.Millisecond,
		NumAttempts:              1,
	}
	if state == types.SpecStateFailed || state.Is(types.SpecStatePanicked|types.SpecStateTimedout|types.SpecStateInterrupted|types.SpecStateAborted) {
		s.Failure = types.Failure{Message: "it broke", Location: types.CodeLocation{FileName: "specs.go", LineNumber: 60}}
	}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func message(m string) specOpt {
	return func(s *types.SpecReport) {
		s.Failure.Message = m
		s.Failure.Location = types.CodeLocation{FileName: "specs.go", LineNumber: 60}
	}
}

func entry(name, value string) specOpt {
	return func(s *types.SpecReport) {
		s.ReportEntries = append(s.ReportEntries, types.ReportEntry{Name: name, Value: types.WrapEntryValue(value)})
	}
}

// blockedBy is how the suite reports a spec the answer left nothing to judge: skipped, with its Block.
func blockedBy(by, lack string) specOpt {
	return func(s *types.SpecReport) {
		b := Block{By: by, Lack: lack}
		message(b.String())(s)
		s.ReportEntries = append(s.ReportEntries, types.ReportEntry{Name: BlockEntry, Value: types.WrapEntryValue(b)})
	}
}

func must(ids ...string) []string   { return labels("must", ids...) }
func should(ids ...string) []string { return labels("should", ids...) }
func labels(level string, ids ...string) []string {
	out := []string{"scenario:s1", level}
	for _, id := range ids {
		out = append(out, "req:"+id, "cat")
	}
	return out
}

func report(specs ...types.SpecReport) types.Report {
	return types.Report{SuiteSucceeded: true, StartTime: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC),
		EndTime: time.Date(2026, 5, 1, 12, 0, 9, 0, time.UTC), SpecReports: specs}
}

func requirement(t *testing.T, res *Result, id string) *Requirement {
	t.Helper()
	for _, q := range res.Requirements {
		if q.ID == id {
			return q
		}
	}
	t.Fatalf("no requirement %s in the result", id)
	return nil
}

// balanced checks that every element the page opens is closed in order: what an unescaped tag from a
// transcript would break.
func balanced(page string) error {
	var stack []string
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		name := strings.ToLower(m[2])
		if voidElems[name] {
			continue
		}
		if m[1] == "" {
			stack = append(stack, name)
			continue
		}
		if len(stack) == 0 || stack[len(stack)-1] != name {
			return fmt.Errorf("</%s> closes %v", name, stack)
		}
		stack = stack[:len(stack)-1]
	}
	if len(stack) > 0 {
		return fmt.Errorf("left open: %v", stack)
	}
	return nil
}

// buildKnown is build with one spec name listed in --known-failing ("" for none).
func buildKnown(rep types.Report, c requirements.List, run Run, known string) *Result {
	in := inputsFor(rep, c)
	if known != "" {
		in.KnownFailing = map[string]bool{known: true}
	}
	return Build(rep, in, run)
}

// build is Build with the specs' information taken from the labels the fixtures give them, as the suite
// generates those labels from the same information.
func build(rep types.Report, c requirements.List, run Run) *Result {
	return Build(rep, inputsFor(rep, c), run)
}
