package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/witness"
	"github.com/gwconform/gwconform/suite"
)

// draftWait bounds each question the draft asks; the timeout probe waits --timeout-wait, by default
// draftProbeWait: past any sane upstream timeout, which it is there to time.
const (
	draftWait      = 10 * time.Second
	draftProbeWait = 60 * time.Second
)

// draftOptions are profile draft's flags.
type draftOptions struct {
	target, upstream, keyEnv, out string
	probeWait                     time.Duration
	transport                     transportOptions
}

// profileDraftFlags is profile draft's flag set: its command parses it, and a test parses the docs'
// examples with it.
func profileDraftFlags() (*flag.FlagSet, *draftOptions) {
	o := &draftOptions{}
	fs := flag.NewFlagSet("gwconform profile draft", flag.ContinueOnError)
	fs.StringVar(&o.target, "target", "", "the gateway's base URL, ending in /v1 (default $"+targetEnv+")")
	fs.StringVar(&o.upstream, "upstream", "", "address of the `gwconform upstream` the gateway fronts (http://host:port, with or without /v1), to map its fault models and name its witness")
	fs.StringVar(&o.keyEnv, "api-key-env", "API_KEY", "environment variable holding the gateway's key")
	fs.StringVar(&o.out, "out", "", "write the profile to FILE (default: stdout)")
	o.transport.register(fs)
	fs.DurationVar(&o.probeWait, "timeout-wait", draftProbeWait, "how long to wait for the gateway's answer to the timeout fault; unanswered, the draft's upstream.timeout is this wait")
	return fs, o
}

// profileDraft writes a commented starter profile from what it can learn cheaply, and buying nothing: the
// catalogue, whether it needs a key, which of `gwconform upstream`'s fault models the gateway exposes and
// under which ids, and the gateway's upstream timeout, timed on the timeout fault. What only the person
// knows (keys by role, triggers) is left commented, with what each enables.
func profileDraft(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs, o := profileDraftFlags()
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if o.probeWait <= 0 {
		return fail(stderr, "profile draft: --timeout-wait must be positive, got %s", o.probeWait)
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "target" })
	raw, err := draftTargetOf(given, o.target, getenv)
	if err != nil {
		return fail(stderr, "profile draft: %v", err)
	}
	if err := checkTarget(raw); err != nil {
		return fail(stderr, "profile draft: --target %q: %v", raw, err)
	}
	base := strings.TrimSuffix(raw, "/")
	if err := profile.UnsendableEnv(o.keyEnv, getenv(o.keyEnv)); err != nil {
		return fail(stderr, "profile draft: %v", err)
	}
	key := strings.TrimSpace(getenv(o.keyEnv))
	hc, err := o.transport.httpClient()
	if err != nil {
		return fail(stderr, "profile draft: %v", err)
	}
	extra, secret, err := o.transport.extraHeaders()
	if err != nil {
		return fail(stderr, "profile draft: %v", err)
	}
	printInsecure(stderr, o.transport.insecure, base)
	// The target is asked through the run's own client and headers: the same trust, certificates, routing
	// headers and refusal to follow a redirect with the key.
	gw := draftClient{http: hc, headers: extra}
	d := draft{target: base, keyEnv: o.keyEnv, headers: extra, secretHeaders: secret}

	listed, status, err := gw.listModels(base, key)
	if err != nil {
		return fail(stderr, "profile draft: the target does not answer GET %s/models: %v", base, err)
	}
	if status != http.StatusOK {
		return fail(stderr, "profile draft: GET %s/models with the key in $%s answered %d: check the URL and the key", base, o.keyEnv, status)
	}
	if _, keyless, err := gw.listModels(base, ""); err == nil && key != "" {
		needs := keyless == http.StatusUnauthorized || keyless == http.StatusForbidden
		d.modelsNeedKey = &needs
	}
	d.models = listed
	if o.upstream != "" {
		root, err := profile.UpstreamRoot(o.upstream)
		if err != nil {
			return fail(stderr, "profile draft: --upstream: %v", err)
		}
		up := root.String() + "/v1"
		// gwconform upstream is the vendor's own local process: no routing headers of the gateway's.
		upListed, status, err := draftClient{http: hc}.listModels(up, "")
		switch {
		case err != nil:
			return fail(stderr, "profile draft: --upstream %s does not answer GET %s/models: %v", o.upstream, up, err)
		case status != http.StatusOK:
			return fail(stderr, "profile draft: --upstream %s answered GET %s/models with %d, not its list of models: is it `gwconform upstream`?", o.upstream, up, status)
		}
		d.faults = faultIDs(listed, upListed)
		d.witness = root.String() + witness.Path
		if m, ok := d.faults[faults.Timeout.Key]; ok {
			d.timeout = gw.probeTimeout(base, key, m, o.probeWait)
		}
	}
	text := d.render()
	if _, err := profile.Parse([]byte(text)); err != nil {
		return fail(stderr, "profile draft: the draft does not parse (a bug): %v", oneLine(err))
	}
	if o.out == "" {
		fmt.Fprint(stdout, text)
		return exitConformant
	}
	if err := os.WriteFile(o.out, []byte(text), 0o644); err != nil {
		return fail(stderr, "profile draft: %v", err)
	}
	fmt.Fprintf(stdout, "gwconform: wrote %s; check it with gwconform profile check %s\n", o.out, o.out)
	return exitConformant
}

// draftClient asks a target what a draft learns, as a run would ask it.
type draftClient struct {
	http    *http.Client
	headers http.Header // sent with every request to the target
}

// draft is what was learnt of a target.
type draft struct {
	target, keyEnv string
	// headers are the --header and --secret-header values the draft was made with; secretHeaders says which
	// are secrets, written as the variable that is to hold them, never their value.
	headers       http.Header
	secretHeaders map[string]bool
	models        []string
	modelsNeedKey *bool
	faults        map[string]string // fault key -> the gateway's id for it
	witness       string
	timeout       timeoutProbe
}

// listModels is GET base/models's ids and status, read as a run's discovery reads them; key "" sends
// none.
func (c draftClient) listModels(base, key string) ([]string, int, error) {
	h := c.headers.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Accept", "application/json")
	if key != "" {
		h.Set("Authorization", "Bearer "+key)
	}
	client := &exchange.Client{HTTP: c.http, BaseURL: base, Timeout: draftWait}
	ex := client.Do(context.Background(), http.MethodGet, "/models", h, nil)
	if ex.Err != nil {
		return nil, 0, ex.Err
	}
	ids, _ := suite.ListedIDs(ex) // an error status lists nothing; the caller reads the status
	return ids, ex.Response.Status, nil
}

// faultIDs finds, for each fault the upstream serves, the id the gateway lists it under: the same id, the
// same under a provider prefix (openai/fault/close), or the fault's own name under a prefix of the
// gateway's (ref/close).
func faultIDs(gateway, upstream []string) map[string]string {
	served := map[string]bool{}
	for _, id := range upstream {
		served[id] = true
	}
	out := map[string]string{}
	for _, f := range faults.All() {
		if !served[f.Model] {
			continue
		}
		name := strings.TrimPrefix(f.Model, faults.Prefix)
		for _, id := range gateway {
			if id == f.Model || strings.HasSuffix(id, "/"+f.Model) || strings.HasSuffix(id, "/"+name) {
				out[f.Key] = id
				break
			}
		}
	}
	return out
}

// timeoutProbe is what timing the timeout fault learnt of the gateway's upstream timeout.
type timeoutProbe struct {
	// timeout is the timeout to write: measured, or the wait when no answer came; 0 when neither (the
	// request failed, or was answered below 500).
	timeout time.Duration
	// unanswered says no answer came within the wait: a gateway without an upstream timeout of its own, for
	// which UP-3 must be judged, and fail, rather than be skipped for want of a timeout.
	unanswered bool
}

// probeTimeout times the gateway's answer to the timeout fault, which holds the upstream far past any
// sane timeout: the gateway answers when its own runs out. It waits at most wait. Nothing is bought.
func (c draftClient) probeTimeout(base, key, model string, wait time.Duration) timeoutProbe {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	body := `{"model": ` + jsonString(model) + `, "messages": [{"role": "user", "content": "gwconform profile draft: timeout probe"}]}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/chat/completions", strings.NewReader(body))
	if err != nil {
		return timeoutProbe{}
	}
	for name, values := range c.headers {
		req.Header[name] = values
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	switch {
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return timeoutProbe{timeout: wait, unanswered: true}
	case err != nil:
		return timeoutProbe{}
	}
	resp.Body.Close()
	if resp.StatusCode < 500 {
		return timeoutProbe{}
	}
	// Rounded up to the next half second: UP-3 allows grace on top, never less than the gateway's own.
	return timeoutProbe{timeout: time.Since(start).Truncate(500*time.Millisecond) + 500*time.Millisecond}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// render writes the draft as a commented profile.
func (d draft) render() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# yaml-language-server: $schema=https://raw.githubusercontent.com/gwconform/gwconform/main/schemas/profile.json\n")
	fmt.Fprintf(&b, "# A profile drafted by gwconform profile draft from %s. Check it with gwconform profile check.\n", d.target)
	fmt.Fprintf(&b, "target: %s\napi_key_env: %s\n", d.target, d.keyEnv)
	if len(d.models) > 0 {
		fmt.Fprintf(&b, "# listed by GET /v1/models: %s\n", strings.Join(d.models, ", "))
	}
	if len(d.headers) > 0 {
		b.WriteString("headers:                              # given to profile draft: every request carries them\n")
		for _, name := range slices.Sorted(maps.Keys(d.headers)) {
			if d.secretHeaders[name] {
				v := strings.TrimPrefix(suite.HeaderVariable(name), "$")
				fmt.Fprintf(&b, "  %s: {env: %s}   # a secret (--secret-header): export %s before a run\n", name, v, v)
				continue
			}
			fmt.Fprintf(&b, "  %s: %s\n", name, jsonString(d.headers.Get(name)))
		}
	}
	if d.modelsNeedKey != nil {
		fmt.Fprintf(&b, "models_need_key: %t              # learnt: GET /v1/models without a key (MOD-1, AUTH-1)\n", *d.modelsNeedKey)
	}
	b.WriteString(`# keys:                                # environment variable NAMES of keys only you can make
#   zero_credit: GWC_ZERO_CREDIT_KEY    # LIMIT-3: 403 with the envelope
#   revoked: GWC_REVOKED_KEY            # AUTH-2: a revoked key is refused 401
#   rate_limited: GWC_RATE_LIMITED_KEY  # LIMIT-1/2 and SRV-3, with rate_limit below
# rate_limit: {burst: 20, within: 5s}   # the opt-in burst that looks for a 429
# triggers:                             # how to make this gateway answer 500 and 503
#   server_error: {header: "X-Debug-Fault: internal"}   # SRV-1
#   unavailable: {model: maintenance/demo}              # SRV-2
# confidential_model: my/confidential   # RCPT-2 (with --billable)
# lacks: [credits]                      # features this gateway does not have: rate_limit, credits, confidential
`)
	if len(d.faults) == 0 && d.witness == "" {
		b.WriteString("# upstream: {faults: true, timeout: 2s}  # when the gateway fronts `gwconform upstream` (see --upstream)\n")
		return b.String()
	}
	b.WriteString("upstream:\n")
	switch {
	case d.timeout.unanswered:
		fmt.Fprintf(&b, "  timeout: %s                        # the gateway did not answer the timeout fault within %s, the draft's wait (--timeout-wait): UP-3 is judged against it, and fails while the gateway never times out; put its real upstream timeout here\n", d.timeout.timeout, d.timeout.timeout)
	case d.timeout.timeout > 0:
		fmt.Fprintf(&b, "  timeout: %s                        # measured: the gateway answered the timeout fault after about this (UP-3)\n", d.timeout.timeout)
	default:
		b.WriteString("  # timeout: 2s                       # the gateway's upstream timeout (UP-3): the timeout fault could not be timed\n")
	}
	if d.witness != "" {
		fmt.Fprintf(&b, "  witness: %s   # the upstream says which requests reached it\n", d.witness)
	}
	if len(d.faults) > 0 {
		b.WriteString("  models:                             # the gateway's ids for the upstream's fault models\n")
		for _, k := range slices.Sorted(maps.Keys(d.faults)) {
			fmt.Fprintf(&b, "    %s: %s\n", k, d.faults[k])
		}
	}
	var missing []string
	for _, f := range faults.All() {
		if _, ok := d.faults[f.Key]; !ok {
			missing = append(missing, f.Model)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "  # not found in the gateway's catalogue: %s\n", strings.Join(missing, ", "))
	}
	return b.String()
}
