// Package redact removes secrets from anything the suite prints or writes: keys must never reach a log, a
// failure message or a report, even when the target echoes them back.
package redact

import (
	"sort"
	"strings"
	"sync/atomic"
)

// Redactor replaces known secret values with a stable marker.
type Redactor struct {
	secrets []secret
}

type secret struct{ value, marker string }

// bodyMin is the shortest secret hidden wherever it appears. A shorter one could be an ordinary word of
// the target's answer ("openai"), and rewriting that would misstate what the target sent: it is hidden
// only where the suite itself put it, in a request header (HeaderValue).
const bodyMin = 8

// New makes a Redactor; add secrets with Add.
func New() *Redactor { return &Redactor{} }

// Add registers a secret value and the name it is shown as, e.g. Add(key, "$API_KEY").
func (r *Redactor) Add(value, name string) *Redactor {
	if value == "" {
		return r
	}
	r.secrets = append(r.secrets, secret{value, name})
	// Longest first, so a secret containing another is replaced whole.
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i].value) > len(r.secrets[j].value) })
	return r
}

// disabled exists for one test: the one that proves the redaction test fails without redaction. Nothing
// in the binary sets it.
var disabled atomic.Bool

// DisableForTest turns every Redactor into the identity, for the rest of the process.
func DisableForTest() { disabled.Store(true) }

// String returns s with every secret replaced by its marker.
func (r *Redactor) String(s string) string {
	if r == nil || disabled.Load() {
		return s
	}
	for _, sec := range r.secrets {
		if len(sec.value) >= bodyMin {
			s = strings.ReplaceAll(s, sec.value, sec.marker)
		}
	}
	return s
}

// HeaderValue hides the secrets in a value the suite put in a request header, however short: the whole
// value, or the credential after an auth scheme ("Bearer <key>").
func (r *Redactor) HeaderValue(v string) string {
	if r == nil || disabled.Load() {
		return v
	}
	scheme, cred, hasScheme := strings.Cut(v, " ")
	for _, sec := range r.secrets {
		switch {
		case v == sec.value:
			return sec.marker
		case hasScheme && cred == sec.value:
			return scheme + " " + sec.marker
		}
	}
	return r.String(v)
}

// Contains reports the names of the secrets found in s.
func (r *Redactor) Contains(s string) []string {
	var found []string
	for _, sec := range r.secrets {
		if len(sec.value) >= bodyMin && strings.Contains(s, sec.value) {
			found = append(found, sec.marker)
		}
	}
	return found
}
