// Package suite holds the gwconform conformance specs. It knows a target only through HTTP: a base URL and
// a key. Define builds the spec tree from the scenario catalogue; the caller then runs it with Ginkgo's
// RunSpecs (cmd/gwconform does, from a plain binary).
package suite

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/gwconform/gwconform/fixtures"
	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/redact"
	"github.com/gwconform/gwconform/internal/requirements"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/schema"
)

// Config is all the suite knows of a target.
type Config struct {
	BaseURL string        // ends in /v1, as the OpenAI SDKs take it
	APIKey  string        // a valid key; never printed
	Timeout time.Duration // per request
	HTTP    *http.Client  // nil: a client that never follows redirects
	// Headers are sent with every request, for gateways behind another auth layer. Their values are
	// secrets: redacted everywhere, like the keys.
	Headers http.Header
	// Billable runs the scenarios that buy real completions (MOD-4); off, they are skipped with the reason.
	Billable bool
	// Offers is what the target's profile says can be provoked; the zero value offers nothing.
	Offers profile.Resolved
	// Progress, when set, hears of each scenario as its requests go out and when they are done, so a person
	// watching a slow target sees what is running. It may be called from any spec's goroutine.
	Progress func(scenario string, done bool, took time.Duration)
	// APIKeyVar names the environment variable the key came from (--api-key-env), so that transcripts and
	// curl lines show the variable the person reproducing a failure already has; "" is API_KEY.
	APIKeyVar string
}

// Define registers every spec with Ginkgo. Call it once, before RunSpecs.
func Define(cfg Config) error {
	t, err := newTarget(cfg)
	if err != nil {
		return err
	}
	gomega.RegisterFailHandler(ginkgo.Fail)
	for _, sc := range t.Scenarios.Scenarios {
		defineScenario(t, sc, t.specsOf(sc))
	}
	return nil
}

// Plan is what the suite is built from: the requirement list, the schemas and the scenarios, loaded and
// checked against each other. It knows no target.
type Plan struct {
	Scenarios    *scenario.Catalogue
	Requirements requirements.Catalogue
	Schemas      *schema.Set
}

// LoadPlan loads the embedded plan; a fixture that names an unknown requirement or schema is an error here.
func LoadPlan() (*Plan, error) {
	reqs, err := requirements.Embedded()
	if err != nil {
		return nil, fmt.Errorf("requirements: %w", err)
	}
	schemas, err := schema.Load()
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	known := map[string]bool{}
	for _, n := range schemas.Names() {
		known[n] = true
	}
	cat, err := scenario.Load(fixtures.FS, scenario.Checks{
		Requirement: func(id string) bool { _, ok := reqs[id]; return ok },
		Schema:      func(n string) bool { return known[n] },
	})
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return &Plan{Scenarios: cat, Requirements: reqs, Schemas: schemas}, nil
}

func newTarget(cfg Config) (*target, error) {
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.APIKey == "" {
		return nil, errors.New("no API key")
	}
	plan, err := LoadPlan()
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &target{
		client:   &exchange.Client{HTTP: hc, BaseURL: strings.TrimSuffix(cfg.BaseURL, "/"), Timeout: cfg.Timeout},
		keys:     keysByRole(cfg),
		billable: cfg.Billable,
		offers:   cfg.Offers.WithDefaults(),
		progress: cfg.Progress,
		headers:  cfg.Headers,
		redactor: redactorFor(cfg),
		Plan:     plan,
		memo:     map[string]*sent{},
	}, nil
}

func keysByRole(cfg Config) map[string]string {
	keys := map[string]string{scenario.RoleValid: cfg.APIKey}
	for role, k := range cfg.Offers.Keys {
		keys[role] = k
	}
	return keys
}

// redactorFor hides every key the run holds, each shown as the variable it came from.
func redactorFor(cfg Config) *redact.Redactor {
	// Prompts are never logged (the page's own advice for sensitive prompts), not even the suite's own.
	keyVar := cfg.APIKeyVar
	if keyVar == "" {
		keyVar = "API_KEY"
	}
	r := redact.New().Add(cfg.APIKey, "$"+keyVar).Add(scenario.CanaryPrompt, "[prompt]")
	for name, values := range cfg.Headers {
		for _, v := range values {
			r.Add(v, HeaderVariable(name))
		}
	}
	for role, k := range cfg.Offers.Keys {
		name := cfg.Offers.KeySources[role]
		if name == "" {
			name = "$" + strings.ToUpper(role) + "_KEY"
		}
		r.Add(k, name)
	}
	return r
}

// HeaderVariable is how an extra header's value appears in transcripts and curl lines: a shell variable
// the person reproducing the failure sets, as for $API_KEY.
func HeaderVariable(name string) string {
	return "$GWC_HEADER_" + strings.NewReplacer("-", "_").Replace(strings.ToUpper(name))
}
