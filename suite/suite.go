// Package suite holds the gwconform conformance specs. It knows a target only through HTTP: a base URL and
// a key. A run goes through four phases, and the files are named for them:
//   - plan: the specs the scenarios expand into, knowing no target (plan*.go);
//   - record: every exchange made up front, by a bounded pool of workers (record*.go);
//   - judge: Ginkgo specs that check the recorded evidence, each charged to its requirements (judge*.go);
//   - report: what a failure carries to the reports (report*.go; the reports themselves are internal/report).
//
// cmd/gwconform drives them: New, Discover, Record, Define, then Ginkgo's RunSpecs.
package suite

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/redact"
)

// Config is all the suite knows of a target.
type Config struct {
	BaseURL string        // ends in /v1, as the OpenAI SDKs take it
	APIKey  string        // a valid key; never printed
	Timeout time.Duration // per request
	HTTP    *http.Client  // nil: a client that never follows redirects
	// Headers are sent with every request, for gateways that route on them or sit behind another auth
	// layer. Their values are shown as they are, but for those SecretHeaders names.
	Headers http.Header
	// SecretHeaders are the canonical names of the Headers whose values are secrets: shown as the variable
	// HeaderVariable names, like the keys.
	SecretHeaders map[string]bool
	// Billable runs the scenarios that buy real completions (MOD-4); off, they are skipped with the reason.
	Billable bool
	// Offers is what the target's profile says can be provoked; the zero value offers nothing.
	Offers profile.Offers
	// Concurrency is how many requests may be in flight at once while the run records; 0 is one.
	Concurrency int
	// Progress, when set, hears of each scenario as its requests go out and when they are done, so a person
	// watching a slow target sees what is running. It is called from the recording workers' goroutines.
	Progress func(scenario string, done bool, took time.Duration)
	// Announce, when set, hears of every deliberate wait longer than LongWait as it starts ("waiting
	// Retry-After 13s before retrying ..."), so a run is never silent for long. Called from any goroutine.
	Announce func(line string)
	// ReproDir receives, for a failure whose request body is too long or too binary to paste into its curl
	// line, the body as a file the line reads; "" describes such a body instead.
	ReproDir string
	// APIKeyVar names the environment variable the key came from (--api-key-env), so that transcripts and
	// curl lines show the variable the person reproducing a failure already has; "" is API_KEY.
	APIKeyVar string
	// Negative asks for generated invalid bodies (NEG-1); the zero value sends none.
	Negative Negative
	// ReplayCommand, when set, is the command line that replays one generated case alone, for the reports.
	ReplayCommand func(seed uint64, index int) string
}

// CheckBaseURL says why raw cannot be a target's base URL, or nil when it can: the one test of it. New
// applies it; cmd/gwconform words its refusals for a person, with the URL they probably meant.
func CheckBaseURL(raw string) error {
	if strings.TrimSpace(raw) != raw {
		return errors.New("has a leading or trailing space")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("want an http:// or https:// URL, such as http://127.0.0.1:8080/v1")
	}
	if u.Host == "" {
		return errors.New("the URL names no host")
	}
	return nil
}

func keysByRole(cfg Config) map[string]string {
	keys := map[string]string{profile.RoleValid: cfg.APIKey}
	for role, k := range cfg.Offers.Keys {
		keys[role] = k
	}
	return keys
}

// redactorFor hides every key the run holds, each shown as the variable it came from.
func redactorFor(cfg Config) *redact.Redactor {
	keyVar := cfg.APIKeyVar
	if keyVar == "" {
		keyVar = "API_KEY"
	}
	r := redact.New().Add(cfg.APIKey, "$"+keyVar)
	for name, values := range cfg.Headers {
		if !cfg.SecretHeaders[http.CanonicalHeaderKey(name)] {
			continue
		}
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
