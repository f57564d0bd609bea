package scenario

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/gwconform/gwconform/internal/faults"
)

// The placeholders a body or a path may use, by name: a body writes Ref(ModelVar), {{model}}, and a run
// binds vars[ModelVar] to the model it chose.
const (
	ModelVar                 = "model"
	ModelWithoutMaxTokensVar = "model_without_max_tokens"
	UnknownModelVar          = "unknown_model"
	TriggerModelVar          = "trigger_model"
	BurstModelVar            = "burst_model"
	ConfidentialModelVar     = "confidential_model"
	// PromptVar and FaultModelVar are Derived: the set fills them itself.
	PromptVar     = "prompt"
	FaultModelVar = "fault_model"
)

// faultVarPrefix starts the placeholder of each upstream fault's model: fault_status_500 and so on.
const faultVarPrefix = "fault_"

// FaultVar is the placeholder of the model that provokes the fault of that key: fault_<key>.
func FaultVar(key string) string { return faultVarPrefix + key }

// FaultOfVar is the fault key of a FaultVar placeholder. FaultModelVar is none: which fault it stands for
// is its scenario's.
func FaultOfVar(name string) (key string, ok bool) {
	if name == FaultModelVar {
		return "", false
	}
	return strings.CutPrefix(name, faultVarPrefix)
}

// EachModelNeed is what a scenario sent once per listed model (EachModel) needs: the ids the catalogue
// lists, which no one placeholder names.
const EachModelNeed = "each_model"

// Ref is how a body or a path refers to the placeholder name: {{name}}.
func Ref(name string) string { return "{{" + name + "}}" }

// refs are the placeholders, as a body writes them, in a list.
func refs(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = Ref(n)
	}
	return strings.Join(out, ", ")
}

// Placeholders are the values a body may leave to run time, because only the target's catalogue knows them.
var Placeholders = func() map[string]string {
	p := map[string]string{
		ModelVar:                 "a model id listed by GET /v1/models",
		ModelWithoutMaxTokensVar: "a listed model whose supported_parameters lack max_tokens",
		UnknownModelVar:          "a model id that no catalogue lists",
		TriggerModelVar:          "the model the profile's trigger names, else " + Ref(ModelVar) + " (the trigger is a header)",
		BurstModelVar:            Ref(UnknownModelVar) + ", or " + Ref(ModelVar) + " when the profile's burst sends completions",
		ConfidentialModelVar:     "a confidential model the profile names (confidential_model)",
	}
	// Every upstream fault is provoked through its own model: {{fault_status_500}} and so on. A body names it
	// {{fault_model}} and its scenario the fault (fault: status_500), so one body serves every fault.
	for _, f := range faults.All() {
		p[FaultVar(f.Key)] = "the model id that provokes: " + f.Does
	}
	return p
}()

// Derived are the placeholders a body may use that the set derives itself, so Needs never reports
// one: {{prompt}} needs nothing, {{fault_model}} needs {{fault_<fault>}} and is reported as that.
var Derived = map[string]string{
	PromptVar:     "the canary prompt, CanaryPrompt, then the exchange's nonce",
	FaultModelVar: "the model id that provokes the scenario's fault: " + Ref(FaultVar("<fault>")),
}

// need is what a placeholder of s stands for among the values a run provides: "" for none.
func (s Scenario) need(name string) string {
	switch name {
	case PromptVar:
		return ""
	case FaultModelVar:
		return FaultVar(s.Fault) // Load refuses {{fault_model}} without a fault
	}
	return name
}

// CanaryPrompt is in every prompt the suite sends, so that an echoed body is recognisable (ENV-8). Fixtures
// write it as {{prompt}}, never literally, so that changing it here cannot blind the echo check.
const CanaryPrompt = "gwconform canary prompt 5a1f"

// NonceVar is the variable a run binds to each exchange's own nonce: {{prompt}} carries it, so that the
// upstream can tell which request reached it even when a gateway drops unknown headers.
const NonceVar = "nonce"

// Prompt is what {{prompt}} renders as: the canary, then the nonce when there is one.
func Prompt(nonce string) string {
	if nonce == "" {
		return CanaryPrompt
	}
	return CanaryPrompt + " " + nonce
}

var placeholder = regexp.MustCompile(`\{\{([a-z_0-9]+)\}\}`)

func placeholdersIn(tmpl []byte) []string {
	set := map[string]bool{}
	for _, m := range placeholder.FindAllSubmatch(tmpl, -1) {
		set[string(m[1])] = true
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Needs lists the placeholders the scenario's body and paths use, its controls' included: the values a run
// must discover before sending it. Those the set derives (Derived) are reported as what they stand
// for: {{prompt}} not at all, {{fault_model}} as {{fault_<fault>}}.
func (c *Set) Needs(s Scenario) []string {
	tmpl, err := c.template(s.Request)
	if err != nil {
		return nil // Load has already refused such a scenario
	}
	all := append(append([]byte{}, tmpl...), s.Request.Path...)
	for _, ctl := range s.Controls {
		all = append(all, ctl.Path...)
	}
	var needs []string
	for _, n := range placeholdersIn(all) {
		if need := s.need(n); need != "" && !slices.Contains(needs, need) {
			needs = append(needs, need)
		}
	}
	sort.Strings(needs)
	return needs
}

// Path renders a request path with vars substituted as path segments, escaped.
func Path(tmpl string, vars map[string]string) (string, error) {
	var missing []string
	out := placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		v, ok := vars[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		segs := strings.Split(v, "/")
		for i := range segs {
			segs[i] = url.PathEscape(segs[i])
		}
		return strings.Join(segs, "/") // a provider-prefixed id (openai/gpt-4o) keeps its path, as clients send it
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("no value for %s", refs(missing))
	}
	return out, nil
}

// Body renders the request body with vars substituted as JSON string contents, so a model id with a quote
// in it cannot break the JSON the scenario meant to send. A request without a body renders as nil. The
// oversized body is generated: only its head is rendered, and its padding streams as it is sent. {{prompt}}
// is Prompt(vars[NonceVar]), and {{fault_model}} is vars["fault_<fault>"].
func (c *Set) Body(s Scenario, vars map[string]string) (*Payload, error) {
	if !s.Request.HasBody() {
		return nil, nil
	}
	if s.Request.OversizedBytes > 0 {
		head, err := render(s, []byte(oversizedHead), vars)
		if err != nil {
			return nil, err
		}
		pad := max(s.Request.OversizedBytes-int64(len(head)+len(oversizedTail)), 0)
		return &Payload{head: head, pad: pad, tail: []byte(oversizedTail)}, nil
	}
	tmpl, err := c.template(s.Request)
	if err != nil {
		return nil, err
	}
	body, err := render(s, tmpl, vars)
	if err != nil {
		return nil, err
	}
	return Literal(body), nil
}

// render substitutes vars into one of the scenario's body templates.
func render(s Scenario, tmpl []byte, vars map[string]string) ([]byte, error) {
	var missing []string
	out := placeholder.ReplaceAllFunc(tmpl, func(m []byte) []byte {
		need := s.need(string(placeholder.FindSubmatch(m)[1]))
		v, ok := vars[need]
		if need == "" {
			v, ok = Prompt(vars[NonceVar]), true
		}
		if !ok {
			missing = append(missing, need)
			return m
		}
		q, _ := json.Marshal(v)
		return q[1 : len(q)-1]
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("no value for %s", refs(missing))
	}
	if out == nil {
		out = []byte{} // an empty body is still a body (REQ-1)
	}
	return out, nil
}

func (c *Set) template(r Request) ([]byte, error) {
	switch {
	case r.Body != nil:
		return []byte(*r.Body), nil
	case r.BodyFile != "":
		return fs.ReadFile(c.bodies, r.BodyFile)
	case r.OversizedBytes > 0:
		return []byte(oversizedHead + oversizedTail), nil // what Needs reads: the placeholders
	}
	return nil, nil
}

// The oversized body is a well-formed chat request whose prompt is padding: only its size is wrong. It is a
// template as a body file is, its placeholders checked as a file's are.
const (
	oversizedHead = `{"model": "{{model}}", "messages": [{"role": "user", "content": "{{prompt}} `
	oversizedTail = `"}]}`
)
