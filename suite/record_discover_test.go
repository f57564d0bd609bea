package suite

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/profile"
)

func discovered(t *testing.T, baseURL string, offers profile.Offers) (model, why string, each []string) {
	t.Helper()
	tg := newTarget(t, Config{BaseURL: baseURL, APIKey: "gwc-discover-test-key", Offers: offers})
	tg.Discover(context.Background())
	vars, why := tg.vars([]string{"model"})
	if unmet := tg.eachModelUnmet(); (unmet == "") != (len(tg.disc.models) > 0) {
		t.Fatalf("each-model scenario unmet %q with %d listed models", unmet, len(tg.disc.models))
	}
	return vars["model"], why, tg.disc.models
}

// A scenario sent once per listed model is skipped, with the reason, when a named model stood in for a
// catalogue that could not be read: the model was named, not listed.
func TestEachModelNeedsTheList(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"catalogue refused", `{"error":{}}`, 404, "needs the ids GET /v1/models lists: GET /v1/models answered 404"},
		{"empty catalogue", modelList(), 200, "needs the ids GET /v1/models lists: it lists none"},
		{"only fault models", modelList("fault/reset"), 200, "needs the ids GET /v1/models lists: it lists only fault and trigger models"},
		{"catalogue listed", modelList("gw/chat"), 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tg := newTarget(t, Config{BaseURL: catalogue(t, c.status, c.body), APIKey: "gwc-discover-test-key", Offers: profile.Offers{Model: "gw/named"}})
			tg.Discover(context.Background())
			if got := tg.eachModelUnmet(); !strings.Contains(got, c.want) || (got == "") != (c.want == "") {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

// A fault model is never {{model}}, nor sent a completion by MOD-4, though it is listed first and takes every
// parameter: the fault vocabulary bare or under a provider prefix, and whatever the profile names as a fault
// or a trigger. Among the others, the first by id is chosen, whatever order the list comes in.
func TestDiscoveryNeverChoosesAFaultModel(t *testing.T) {
	t.Parallel()
	offers := profile.Offers{
		FaultModels: map[string]string{"status_500": "gw/f500"},
		Triggers:    map[string]profile.Trigger{"unavailable": {Model: "gw/maintenance"}, "server_error": {Header: "X-Fault: 1"}},
	}
	cases := []struct {
		name   string
		offers profile.Offers
		listed []string
		want   string
		each   []string
	}{
		{"no profile, fault vocabulary", profile.Offers{}, []string{"fault/reset", "openai/fault/close", "fault/new-fault", "gw/chat"}, "gw/chat", []string{"gw/chat"}},
		{"no profile, an ordinary id is chosen first", profile.Offers{}, []string{"gw/chat", "gw/other"}, "gw/chat", []string{"gw/chat", "gw/other"}},
		{"no profile, a near miss is ordinary", profile.Offers{}, []string{"openai/faulty-close", "gw/chat"}, "gw/chat", []string{"openai/faulty-close", "gw/chat"}},
		{"chosen by id, not by the list's order", profile.Offers{}, []string{"gw/zeta", "gw/alpha"}, "gw/alpha", []string{"gw/zeta", "gw/alpha"}},
		{"profile fault and trigger models", offers, []string{"gw/f500", "gw/maintenance", "gw/chat"}, "gw/chat", []string{"gw/chat"}},
		{"the same ids without the profile", profile.Offers{}, []string{"gw/f500", "gw/maintenance", "gw/chat"}, "gw/chat", []string{"gw/f500", "gw/maintenance", "gw/chat"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			model, why, each := discovered(t, catalogue(t, 200, modelList(c.listed...)), c.offers)
			if model != c.want || why != "" || !slices.Equal(each, c.each) {
				t.Fatalf("model %q (%s), each %v; want %q, each %v", model, why, each, c.want, c.each)
			}
		})
	}
	t.Run("only fault models listed", func(t *testing.T) {
		t.Parallel()
		model, why, each := discovered(t, catalogue(t, 200, modelList("fault/reset")), profile.Offers{})
		if model != "" || !strings.Contains(why, "lists only fault and trigger models: name another with --model") || len(each) != 0 {
			t.Fatalf("model %q (%s), each %v", model, why, each)
		}
	})
}

// A named model is {{model}} whatever the catalogue says, even when it cannot be read; without one, an
// unreadable catalogue leaves the scenarios that need a model skipped with the reason.
func TestDiscoveryUsesTheNamedModel(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, named, body string
		status            int
		want, why         string
		each              []string
	}{
		{"catalogue refused, no model named", "", `{"error":{}}`, 404, "", "needs {{model}}: GET /v1/models answered 404", nil},
		{"catalogue refused, model named", "gw/named", `{"error":{}}`, 404, "gw/named", "", nil},
		{"catalogue listed, model named", "gw/named", modelList("gw/chat", "gw/named"), 200, "gw/named", "", []string{"gw/chat", "gw/named"}},
		{"a fault id named on purpose", "fault/reset", modelList("fault/reset", "gw/chat"), 200, "fault/reset", "", []string{"fault/reset", "gw/chat"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			model, why, each := discovered(t, catalogue(t, c.status, c.body), profile.Offers{Model: c.named})
			if model != c.want || !strings.Contains(why, c.why) || (c.why == "") != (why == "") || !slices.Equal(each, c.each) {
				t.Fatalf("model %q, why %q, each %v; want %q, %q, %v", model, why, each, c.want, c.why, c.each)
			}
		})
	}
}
