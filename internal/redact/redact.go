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

// minLen keeps short values (such as "Bearer") from being treated as secrets and blanking ordinary words.
const minLen = 6

// New makes a Redactor; add secrets with Add.
func New() *Redactor { return &Redactor{} }

// Add registers a secret value and the name it is shown as, e.g. Add(key, "$API_KEY").
func (r *Redactor) Add(value, name string) *Redactor {
	if len(value) < minLen {
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
		s = strings.ReplaceAll(s, sec.value, sec.marker)
	}
	return s
}

// Contains reports the names of the secrets found in s.
func (r *Redactor) Contains(s string) []string {
	var found []string
	for _, sec := range r.secrets {
		if strings.Contains(s, sec.value) {
			found = append(found, sec.marker)
		}
	}
	return found
}
