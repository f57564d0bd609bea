package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Defect is a deliberate deviation from the contract, modelled on what real
// gateways do. The suite is run against the reference gateway with a defect
// switched on to prove that it notices; that is the only reason they exist.
//
// Every defect is a set of hooks: on the single error writer (Rewrite,
// Encode), on the request before routing (Before), around the whole gateway
// (Wrap), or on the configuration New starts from (Tune). Turning one on
// never needs a conditional elsewhere in the gateway.
type Defect struct {
	// Name is kebab-case and stable: it is how targets select the defect.
	Name string
	// Summary says, in one line, what real gateways do.
	Summary string
	// Breaks lists the requirement ids (REQUIREMENTS.md) the suite should
	// report as failed when the defect is on. It is empty for a Variation.
	Breaks []string
	// Blocks lists the requirement ids the suite should report blocked: a
	// check deciding them cannot be made because the answer lacks what it
	// reads, a lack one of Breaks is charged with.
	Blocks []string
	// Variation marks a conformant deviation: something real gateways do
	// that the contract allows, which the suite must not fail. Its Summary
	// starts with "conformant:".
	Variation bool
	// Requires is a header ("Name: value") the gateway wants on every
	// request, as gateways behind a router do. Run with it (--header), the
	// gateway is conformant; without it, it cannot be tested at all.
	Requires string
	// ModelsNeedKey says the defect makes GET /v1/models need a key: the
	// gateway's profile says so (models_need_key: true).
	ModelsNeedKey bool

	// Rewrite changes the error (status, type, code, headers...) before
	// it is encoded. Nil leaves it alone.
	Rewrite func(r *http.Request, e *APIError)
	// Encode replaces the envelope's encoding. Nil keeps the contract's;
	// the first non-nil Encode among the configured defects wins.
	Encode func(e *APIError) (status int, contentType string, body []byte)
	// Tune changes New's copy of the configuration, for a deviation in
	// behaviour rather than in what an error says. It may replace fields,
	// not alter the slices they share with the caller.
	Tune func(cfg *Config)
	// Before runs first in ServeHTTP, before routing, for a deviation in
	// what the gateway refuses or how it reads a request. It is given the
	// gateway so that it reuses the gateway's own checks instead of copying
	// them. It may alter r: its headers, or its body if what it reads is put
	// back (see peekBody). A non-nil error is answered through writeError
	// and ends the request.
	Before func(g *Gateway, r *http.Request) *APIError
	// Wrap is middleware around the whole gateway, for a deviation in
	// successful answers or at the connection level. The first configured
	// defect's middleware is the outermost.
	Wrap func(next http.Handler) http.Handler
	// Serve takes a request over entirely, after Before, for a gateway that
	// does none of its own work on it (a pass-through); true when it has
	// answered.
	Serve func(g *Gateway, w http.ResponseWriter, r *http.Request) bool
}

// forever is the timeout of a gateway that has none: nothing it waits on
// outlasts it.
const forever = time.Duration(math.MaxInt64)

// defectList builds fresh values on every call so that callers cannot alter
// the definitions through the pointers they are given.
func defectList() []*Defect {
	var all []*Defect
	for _, family := range [][]*Defect{authDefects(), envelopeDefects(), requestDefects(), modelsDefects(), limitsDefects(), upstreamDefects(), streamDefects()} {
		all = append(all, family...)
	}
	return all
}

// catalogueRequest says r lists the catalogue.
func catalogueRequest(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == modelsPath
}

// The routing header routing-header-required wants, and the one tenant it serves.
const (
	routingHeader = "X-Gwc-Tenant"
	routingTenant = "tenant-7"
)

// fingerprintHeader carries flaky-second-answer's fingerprint of a request
// from its Before to its Rewrite; Before always overwrites what a client
// sent under that name.
const fingerprintHeader = "X-Gwconform-Fingerprint"

// flakySecondAnswer counts identical requests (method, path, Authorization,
// body) that end in 400 or 401, and answers the second of each 500: the
// kind of flakiness a cache or a racing replica produces. Its count lives in
// the defect, so a gateway should be given a Defect of its own, as
// LookupDefect returns.
func flakySecondAnswer() *Defect {
	var mu sync.Mutex
	seen := map[string]int{}
	return &Defect{
		Name:    "flaky-second-answer",
		Summary: "The same request refused twice gets a different answer the second time: the second of two identical 400 or 401 answers is a 500 server_error.",
		Breaks:  []string{"REQ-10"},
		Before: func(g *Gateway, r *http.Request) *APIError {
			h := sha256.New()
			fmt.Fprintf(h, "%s\x00%s\x00%q\x00", r.Method, r.URL.Path, r.Header.Values("Authorization"))
			h.Write(peekBody(r, g.maxBody+1))
			r.Header.Set(fingerprintHeader, hex.EncodeToString(h.Sum(nil)))
			return nil
		},
		Rewrite: func(r *http.Request, e *APIError) {
			fp := r.Header.Get(fingerprintHeader)
			if fp == "" || e.Status != http.StatusBadRequest && e.Status != http.StatusUnauthorized {
				return
			}
			mu.Lock()
			seen[fp]++
			n := seen[fp]
			mu.Unlock()
			if n == 2 {
				*e = *internalError()
			}
		},
	}
}

// Defects returns every defect, sorted by name.
func Defects() []*Defect {
	all := defectList()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// LookupDefect finds a defect by name.
func LookupDefect(name string) (*Defect, bool) {
	for _, d := range defectList() {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}

// acceptKeyUnder is the defect of a gateway that takes the key from a header written some other way than
// "Bearer <key>": token reads the key out of such a value, and the request goes on as if it were Bearer.
func acceptKeyUnder(token func(v string) (string, bool)) func(*Gateway, *http.Request) *APIError {
	return func(_ *Gateway, r *http.Request) *APIError {
		if k, ok := token(r.Header.Get("Authorization")); ok {
			r.Header.Set("Authorization", "Bearer "+k)
		}
		return nil
	}
}
