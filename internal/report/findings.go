package report

import (
	"fmt"
	"slices"
)

// Finding is one deviation of the target: the failed specs that judged the same recorded exchange (one
// scenario). Several specs judge each exchange, so a broken answer fails many specs at once; a person fixes
// the answer, so the reports count and show findings, each with its transcript once.
type Finding struct {
	Scenario string `json:"scenario,omitempty"`
	Title    string `json:"title"` // the scenario's container: the request it sends
	Level    string `json:"level"` // "must" when any of its specs is a must spec
	// Requirements are every requirement its specs are charged to, in contract order.
	Requirements []string        `json:"requirements"`
	Reasons      []FindingReason `json:"reasons"` // one per failed spec, in the plan's order
	Transcript   string          `json:"transcript,omitempty"`
	Curl         string          `json:"curl,omitempty"`
	// Negative is, for a generated body, its seed and index, the smallest body found that fails the same
	// way, and the command that replays it.
	Negative string `json:"negative,omitempty"`
	// Variables are the shell variables the curl line reads, without the $: unset, the command sends an
	// empty key or header.
	Variables []string `json:"variables"`

	specs []*Spec
	first int // where the scenario first appears among the specs, to keep the plan's order
}

// FindingReason is why one spec of a finding failed.
type FindingReason struct {
	Spec         string   `json:"spec"` // the leaf: what it checks of the answer
	Requirements []string `json:"requirements"`
	Reason       string   `json:"reason"`
}

// findings groups the failed specs by scenario: must findings first, then the specs' order. Known failures
// are left out: they are accepted deviations, counted apart, and must not make the headline. A failed spec
// without a scenario cannot be tied to an exchange, so it is a finding of its own.
func findings(specs []*Spec, contractOrder []string) []*Finding {
	firstSeen := map[string]int{}
	for i, s := range specs {
		if _, ok := firstSeen[s.Scenario]; !ok && s.Scenario != "" {
			firstSeen[s.Scenario] = i
		}
	}
	out := []*Finding{}
	byScenario := map[string]*Finding{}
	for i, s := range specs {
		if !s.Failed() {
			continue
		}
		f := byScenario[s.Scenario]
		if f == nil {
			f = &Finding{Scenario: s.Scenario, Title: s.container, Level: "should", first: i}
			if s.Scenario != "" {
				f.first = firstSeen[s.Scenario]
				byScenario[s.Scenario] = f
			}
			if f.Title == "" {
				f.Title = s.Name
			}
			out = append(out, f)
		}
		f.add(s)
	}
	for _, f := range out {
		f.Requirements = inOrder(f.Requirements, contractOrder)
		f.Variables = curlVariables(f.Curl)
	}
	slices.SortStableFunc(out, func(a, b *Finding) int {
		if am, bm := a.Level == "must", b.Level == "must"; am != bm {
			if am {
				return -1
			}
			return 1
		}
		return a.first - b.first
	})
	return out
}

func (f *Finding) add(s *Spec) {
	f.specs = append(f.specs, s)
	if s.Level == "must" {
		f.Level = "must"
	}
	for _, id := range s.Requirements {
		if !slices.Contains(f.Requirements, id) {
			f.Requirements = append(f.Requirements, id)
		}
	}
	leaf := s.leaf
	if leaf == "" {
		leaf = s.Name
	}
	f.Reasons = append(f.Reasons, FindingReason{Spec: leaf, Requirements: append([]string{}, s.Requirements...), Reason: s.Reason})
	if f.Transcript == "" {
		f.Transcript = s.Transcript
	}
	if f.Curl == "" {
		f.Curl, _ = s.Entry(CurlEntry)
	}
	if f.Negative == "" {
		f.Negative, _ = s.Entry(NegativeEntry)
	}
}

// inOrder sorts ids as the contract orders them; an id it lacks keeps its place after them.
func inOrder(ids, contractOrder []string) []string {
	rank := func(id string) int {
		if i := slices.Index(contractOrder, id); i >= 0 {
			return i
		}
		return len(contractOrder)
	}
	out := append([]string{}, ids...)
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}

// curlVariables are the names of the shell variables a curl line expands ($NAME or ${NAME}, not \$NAME),
// sorted and each once. The redactor writes every key and header value as such a variable, so these are
// what a person must export before the line reproduces the request.
func curlVariables(curl string) []string {
	out := []string{}
	for i := 0; i < len(curl); i++ {
		if curl[i] != '$' || (i > 0 && curl[i-1] == '\\') {
			continue
		}
		j, braced := i+1, false
		if j < len(curl) && curl[j] == '{' {
			j, braced = j+1, true
		}
		k := j
		for k < len(curl) && (curl[k] == '_' || isAlpha(curl[k]) || (k > j && curl[k] >= '0' && curl[k] <= '9')) {
			k++
		}
		if k == j || (braced && (k >= len(curl) || curl[k] != '}')) {
			continue
		}
		if name := curl[j:k]; !slices.Contains(out, name) {
			out = append(out, name)
		}
		i = k - 1
	}
	slices.Sort(out)
	return out
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// findingOf maps each failed spec to its finding's position in r.Findings, for the renderers' cross
// references.
func (r *Result) findingOf() map[*Spec]int {
	m := map[*Spec]int{}
	for i, f := range r.Findings {
		for _, s := range f.specs {
			m[s] = i
		}
	}
	return m
}

// findingsFor are the positions in Result.Findings of the findings that fail q, in the findings' order.
func findingsFor(q *Requirement, of map[*Spec]int) []int {
	var out []int
	for _, s := range q.Specs {
		if i, ok := of[s]; ok && s.Failed() && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

// deviations is the headline's count: "3 deviations (7 failed specs)".
func deviations(findings, failedSpecs int) string {
	return Plural(findings, "deviation") + " (" + Plural(failedSpecs, "failed spec") + ")"
}

// Plural is n and the noun, in the plural unless n is 1: "3 deviations", "1 request".
func Plural(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return fmt.Sprintf("%d %s", n, noun)
}
