package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"testing"
)

func TestDefectCatalogue(t *testing.T) {
	all := Defects()
	want := []string{"auth-401-as-403", "flat-envelope", "malformed-json-500", "model-not-found-as-200", "unknown-model-404"}
	if len(all) != len(want) {
		t.Fatalf("%d defects, want %d", len(all), len(want))
	}
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	reqID := regexp.MustCompile(`^[A-Z]+-[0-9]+$`)
	for i, d := range all {
		if d.Name != want[i] || !kebab.MatchString(d.Name) || d.Summary == "" || len(d.Breaks) == 0 {
			t.Errorf("defect %d: %+v", i, d)
		}
		if d.Rewrite == nil && d.Encode == nil {
			t.Errorf("%s has no hook", d.Name)
		}
		for _, id := range d.Breaks {
			if !reqID.MatchString(id) {
				t.Errorf("%s breaks %q", d.Name, id)
			}
		}
		got, ok := LookupDefect(d.Name)
		if !ok || got.Name != d.Name {
			t.Errorf("LookupDefect(%q) = %v, %v", d.Name, got, ok)
		}
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Error("not sorted")
	}
	if _, ok := LookupDefect("no-such-defect"); ok {
		t.Error("found a defect that does not exist")
	}
	all[0].Name = "mutated"
	if Defects()[0].Name == "mutated" {
		t.Error("callers can alter the catalogue")
	}
}

// probes cover each reason a defect keys on, plus some it must leave alone.
var probes = []struct {
	name string
	req  func() request
}{
	{"no key", func() request { return request{body: chat("ref/chat-small", "")} }},
	{"bad key", func() request { return request{auth: bearer("gwc-wrong-KEYCANARY"), body: chat("ref/chat-small", "")} }},
	{"malformed json", func() request { return request{auth: bearer(testKey), body: jsonBody(`{"model":`)} }},
	{"not an object", func() request { return request{auth: bearer(testKey), body: jsonBody(`[]`)} }},
	{"wrong type", func() request {
		return request{auth: bearer(testKey), body: chat("ref/chat-small", `"temperature":"hot"`)}
	}},
	{"unknown model", func() request { return request{auth: bearer(testKey), body: chat("ref/nope", "")} }},
	{"unsupported parameter", func() request {
		return request{auth: bearer(testKey), body: chat("ref/reasoning-small", `"max_tokens":5`)}
	}},
	{"unknown route", func() request { return request{method: http.MethodGet, path: "/v1/nope"} }},
	{"no credits", func() request { return request{auth: bearer(poorKey), body: chat("ref/chat-small", "")} }},
}

// TestDefectsChangeOnlyWhatTheyClaim runs every probe with and without each
// defect: the probes a defect names must change as stated, all others must
// be byte-for-byte the same.
func TestDefectsChangeOnlyWhatTheyClaim(t *testing.T) {
	baseline := runProbes(t, nil)
	sameBody := func(t *testing.T, base, got result) {
		t.Helper()
		if !bytes.Equal(base.body, got.body) {
			t.Fatalf("body changed: %s -> %s", base.body, got.body)
		}
	}
	for _, tc := range []struct {
		defect string
		// changed checks the probes the defect is meant to alter.
		changed map[string]func(t *testing.T, base, got result)
	}{
		{"unknown-model-404", map[string]func(*testing.T, result, result){
			"unknown model": func(t *testing.T, base, got result) {
				if got.status != http.StatusNotFound || got.envelope(t).Type != TypeModelNotFound {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
				sameBody(t, base, got)
			},
		}},
		{"malformed-json-500", map[string]func(*testing.T, result, result){
			"malformed json": func(t *testing.T, _, got result) {
				if e := got.envelope(t); got.status != 500 || e.Type != TypeServer || e.Param != nil {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"auth-401-as-403", map[string]func(*testing.T, result, result){
			"no key":  same403,
			"bad key": same403,
		}},
		{"model-not-found-as-200", map[string]func(*testing.T, result, result){
			"unknown model": func(t *testing.T, base, got result) {
				if got.status != http.StatusOK || got.envelope(t).Type != TypeModelNotFound {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
				sameBody(t, base, got)
			},
		}},
		{"flat-envelope", allProbes(func(t *testing.T, base, got result) {
			if got.status != base.status {
				t.Fatalf("status %d -> %d", base.status, got.status)
			}
			var flat map[string]any
			mustUnmarshal(t, got.body, &flat)
			if _, ok := flat["error"]; ok {
				t.Fatalf("still enveloped: %s", got.body)
			}
			var e struct{ Error map[string]any }
			mustUnmarshal(t, base.body, &e)
			wantJSON, _ := json.Marshal(e.Error)
			gotJSON, _ := json.Marshal(flat)
			if !bytes.Equal(wantJSON, gotJSON) {
				t.Fatalf("members differ: %s vs %s", gotJSON, wantJSON)
			}
		})},
	} {
		t.Run(tc.defect, func(t *testing.T) {
			d, ok := LookupDefect(tc.defect)
			if !ok {
				t.Fatalf("no defect %q", tc.defect)
			}
			got := runProbes(t, []*Defect{d})
			for _, p := range probes {
				t.Run(p.name, func(t *testing.T) {
					if check, ok := tc.changed[p.name]; ok {
						check(t, baseline[p.name], got[p.name])
						return
					}
					base, g := baseline[p.name], got[p.name]
					if base.status != g.status || !bytes.Equal(base.body, g.body) {
						t.Fatalf("changed: %d %s -> %d %s", base.status, base.body, g.status, g.body)
					}
				})
			}
		})
	}
}

func same403(t *testing.T, base, got result) {
	t.Helper()
	if base.status != 401 || got.status != http.StatusForbidden || !bytes.Equal(base.body, got.body) {
		t.Fatalf("%d %s -> %d %s", base.status, base.body, got.status, got.body)
	}
}

func allProbes(check func(t *testing.T, base, got result)) map[string]func(*testing.T, result, result) {
	m := make(map[string]func(*testing.T, result, result), len(probes))
	for _, p := range probes {
		m[p.name] = check
	}
	return m
}

func runProbes(t *testing.T, defects []*Defect) map[string]result {
	t.Helper()
	g := startGateway(t, Config{Defects: defects})
	out := make(map[string]result, len(probes))
	for _, p := range probes {
		out[p.name] = g.do(t, p.req())
	}
	return out
}

func TestDefectsCompose(t *testing.T) {
	var defects []*Defect
	for _, name := range []string{"auth-401-as-403", "flat-envelope"} {
		d, _ := LookupDefect(name)
		defects = append(defects, d)
	}
	g := startGateway(t, Config{Defects: defects})
	res := g.do(t, request{body: chat("ref/chat-small", "")})
	var flat struct{ Type string }
	mustUnmarshal(t, res.body, &flat)
	if res.status != http.StatusForbidden || flat.Type != TypeAuthentication {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
}
