package suite

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/negative"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/redact"
	"github.com/gwconform/gwconform/internal/scenario"
)

// LongWait is the longest deliberate wait the run makes without saying so first.
const LongWait = 2 * time.Second

// Target is one run's view of the gateway under test: what it offers, the exchanges recorded with it, and
// the specs that judge them. Nothing here is package state, so runs never share evidence.
type Target struct {
	client   *exchange.Client
	keys     map[string]string // by credential role; profile.RoleValid is the main key
	billable bool
	offers   profile.Offers
	workers  int
	// slots hold one token per request in flight: the bound is on requests, so a burst's wave and the
	// workers' own requests share it.
	slots    chan struct{}
	progress func(scenario string, done bool, took time.Duration)
	announce func(string)
	headers  http.Header // sent with every request
	// redactor hides the keys; transcripts hide the suite's prompts too, but a curl line must send them.
	redactor, transcriptRedactor *redact.Redactor
	*Plan

	reproDir string // where bodies too long to paste into a curl line are written
	// witnessClient asks the upstream's witness, never the target: it is not bounded by the target's slots.
	witnessClient *http.Client
	// written are the body files this run wrote, so each is written once however many specs fail.
	written   map[string]bool
	writtenMu sync.Mutex

	disc     *discovery
	recorded map[string]*sent // by scenario id; written by one worker each, read only once Record returns
	// slowest is the longest any answer of the run took that waited on no upstream timeout: what this target,
	// on this machine, takes to answer at all, which UP-3 allows beyond the gateway's own timeout.
	slowest time.Duration

	negative      Negative
	generator     *negative.Generator // made by Generate; it makes a case again to shrink it
	replayCommand func(seed uint64, index int) string
}

// sent is a scenario's exchanges, made once however many specs check them.
type sent struct {
	first    *request                      // the first binding's request: the twins vary it
	exs      []*exchange.Exchange          // the answers judged
	repeats  []*exchange.Exchange          // the same requests sent again (REQ-10)
	controls map[string]*exchange.Exchange // the twins, by control name
	retries  []*exchange.Exchange          // the page's retry policy applied to a transient answer (SRV-3)
	// throttled are 429s the target answered an ordinary scenario: the target pacing the suite, retried and
	// shown in the transcript, never judged as the scenario's answer.
	throttled []*exchange.Exchange
	// sdk is the request sent once more through openai-go with no retries (CLIENT-1), and sdkRetry once
	// more with the SDK's default retry policy (CLIENT-2); nil where the SDK cannot express the request.
	sdk, sdkRetry *sdkCall
	// seen is what the upstream's witness said of each exchange; nil without a witness.
	seen map[*exchange.Exchange]sighting
	// shrunk is what minimising a generated body that the target mishandled found; nil otherwise.
	shrunk *shrunk
	note   string // how the exchanges came about, when that is not obvious (a burst)
	skip   string // why the scenario could not be sent on this target
	// done says every exchange was made: a run stopped part-way leaves failed requests that are not the
	// target's answers, and nothing may judge them.
	done bool
}

// New makes a run's target from its configuration and the plan the run loaded once.
func New(cfg Config, plan *Plan) (*Target, error) {
	if err := CheckBaseURL(cfg.BaseURL); err != nil {
		return nil, fmt.Errorf("base URL %q: %w", cfg.BaseURL, err)
	}
	if cfg.APIKey == "" {
		return nil, errors.New("no API key")
	}
	hc := cfg.HTTP
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DisableCompression = true // no header the transcript and the curl line would not show
		hc = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &Target{
		client:   &exchange.Client{HTTP: hc, BaseURL: strings.TrimSuffix(cfg.BaseURL, "/"), Timeout: cfg.Timeout},
		keys:     keysByRole(cfg),
		billable: cfg.Billable,
		offers:   cfg.Offers.WithDefaults(),
		workers:  max(cfg.Concurrency, 1),
		slots:    make(chan struct{}, max(cfg.Concurrency, 1)),
		progress: cfg.Progress,
		announce: cfg.Announce,
		headers:  cfg.Headers,
		redactor: redactorFor(cfg),
		// Prompts are never logged (the page's own advice for sensitive prompts), not even the suite's own.
		transcriptRedactor: redactorFor(cfg).Add(scenario.CanaryPrompt, "[prompt]"),
		Plan:               plan,
		reproDir:           cfg.ReproDir,
		witnessClient:      &http.Client{},
		written:            map[string]bool{},
		recorded:           map[string]*sent{},
		negative:           cfg.Negative,
		replayCommand:      cfg.ReplayCommand,
	}, nil
}

// CloseIdleConnections closes the connections the run keeps open to the target and the witness. Call it
// when the run is over: a connection dialed for a request that another connection then served is open but
// has never carried a request, and a server shutting down waits seconds for such a one.
func (t *Target) CloseIdleConnections() {
	t.client.HTTP.CloseIdleConnections()
	t.witnessClient.CloseIdleConnections()
}

// Record makes every exchange of the selected scenarios before any spec judges one. A bounded pool of
// workers sends them; the scenarios that change one key's state (the burst, its retries, and whatever else
// presents that key) go one after another in a lane of their own, which holds one worker. It returns the
// context's error when the run was stopped before everything was recorded.
func (t *Target) Record(ctx context.Context, selected func(scenario.Scenario) bool) error {
	if t.disc == nil {
		t.Discover(ctx)
	}
	units := t.units(selected)
	work := make(chan []scenario.Scenario)
	var wg sync.WaitGroup
	for range min(t.workers, len(units)) {
		wg.Go(func() {
			for unit := range work {
				for _, sc := range unit {
					t.recordScenario(ctx, sc)
				}
			}
		})
	}
feed:
	for _, u := range units {
		select {
		case work <- u:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if t.negative.On() {
		t.minimiseNegatives(ctx)
	}
	t.slowest = t.slowestAnswer()
	return ctx.Err()
}

// slowestAnswer is the longest an answer took among the scenarios that do not wait on the gateway's upstream
// timeout.
func (t *Target) slowestAnswer() time.Duration {
	var d time.Duration
	for _, sc := range t.Scenarios.Scenarios {
		s := t.recorded[sc.ID]
		if s == nil || sc.Expect.WithinUpstreamTimeout {
			continue
		}
		for _, ex := range s.all() {
			if ex.Err == nil {
				d = max(d, ex.Duration)
			}
		}
	}
	return d
}

// units are the pool's jobs: each serial lane whole, then each other scenario alone. The longest jobs go
// first, so that no slow one starts last and holds up the end of the run.
func (t *Target) units(selected func(scenario.Scenario) bool) [][]scenario.Scenario {
	stateful := map[string]bool{} // roles whose key the run exhausts on purpose
	for _, sc := range t.Scenarios.Scenarios {
		if sc.Burst && selected(sc) {
			stateful[sc.Request.Credential.Role()] = true
		}
	}
	lanes := map[string][]scenario.Scenario{}
	var lone []scenario.Scenario
	for _, sc := range t.Scenarios.Scenarios {
		if !selected(sc) {
			continue
		}
		t.recorded[sc.ID] = &sent{}
		if role := sc.Request.Credential.Role(); stateful[role] {
			lanes[role] = append(lanes[role], sc)
			continue
		}
		lone = append(lone, sc)
	}
	var units [][]scenario.Scenario
	for _, role := range sortedKeys(lanes) {
		// The burst goes last in its lane: what the key answers before it was exhausted is the key's own.
		lane := lanes[role]
		slices.SortStableFunc(lane, func(a, b scenario.Scenario) int { return boolCmp(a.Burst, b.Burst) })
		units = append(units, lane)
	}
	slices.SortStableFunc(lone, func(a, b scenario.Scenario) int { return boolCmp(slow(b), slow(a)) })
	for _, sc := range lone {
		units = append(units, []scenario.Scenario{sc})
	}
	return units
}

// slow says whether a scenario is expected to take long: it waits on the gateway's upstream timeout, sends
// megabytes, or sends once per listed model.
func slow(sc scenario.Scenario) bool {
	return sc.Expect.WithinUpstreamTimeout || sc.Request.OversizedBytes > 0 || sc.EachModel || sc.Trigger != ""
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// exchange makes one request once a slot is free, so that no more than --concurrency are ever in flight.
// A scenario's own deadline (withRequestTimeout) starts when its request goes out, not while it waits for
// a slot: time spent queueing behind other requests is never the target's.
func (t *Target) exchange(ctx context.Context, method, path string, h http.Header, body exchange.Body) *exchange.Exchange {
	select {
	case t.slots <- struct{}{}:
		defer func() { <-t.slots }()
	case <-ctx.Done():
	}
	if d, ok := ctx.Value(requestTimeoutKey{}).(time.Duration); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	return t.client.Do(ctx, method, path, h, body)
}

type requestTimeoutKey struct{}

// withRequestTimeout gives every request made with ctx its own deadline of d, counted from when it is
// sent.
func withRequestTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, requestTimeoutKey{}, d)
}

// recordScenario fills the scenario's record, telling the progress callback around it.
func (t *Target) recordScenario(ctx context.Context, sc scenario.Scenario) {
	s := t.recorded[sc.ID]
	start := time.Now()
	if t.progress != nil {
		t.progress(sc.Name(), false, 0)
	}
	s.skip = t.send(ctx, sc, s)
	t.askSDK(ctx, sc, s)
	t.askWitness(ctx, s)
	if s.skip == "" {
		s.skip = t.notProvoked(sc, s)
	}
	s.done = ctx.Err() == nil
	if t.progress != nil {
		t.progress(sc.Name(), true, time.Since(start))
	}
}

// wait sleeps d, or until the run is stopped, saying so first when the wait is long ("waiting Retry-After
// 13s before ..."); false when stopped. source says where d came from: "Retry-After", or "" for a back-off.
func (t *Target) wait(ctx context.Context, d time.Duration, source, what string) bool {
	if d > LongWait && t.announce != nil {
		t.announce(strings.Join(strings.Fields(fmt.Sprintf("waiting %s %s %s", source, d.Round(time.Second), what)), " "))
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
