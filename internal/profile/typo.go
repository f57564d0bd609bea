package profile

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// unknownField is how yaml.v3 words a field that KnownFields refuses.
var unknownField = regexp.MustCompile(`^(line \d+: )field (\S+) not found in type profile\.(\w+)$`)

// fieldsOf are the YAML names a profile section accepts, by the Go type yaml.v3 names in its error.
var fieldsOf = map[string][]string{}

func init() {
	for _, v := range []any{Profile{}, RateLimit{}, Upstream{}, Trigger{}, Retry{}} {
		t := reflect.TypeOf(v)
		for i := range t.NumField() {
			if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" {
				fieldsOf[t.Name()] = append(fieldsOf[t.Name()], name)
			}
		}
	}
}

// withSuggestions rewrites yaml.v3's unknown-field errors to name the field the person probably meant, so
// a typo is fixed from the message alone rather than by reading the docs.
func withSuggestions(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		msgs[i] = e
		m := unknownField.FindStringSubmatch(e)
		if m == nil {
			continue
		}
		known := fieldsOf[m[3]]
		if near := nearest(m[2], known); near != "" {
			msgs[i] = fmt.Sprintf("%sunknown field %s: did you mean %s?", m[1], m[2], near)
		} else {
			msgs[i] = fmt.Sprintf("%sunknown field %s (want one of %s)", m[1], m[2], strings.Join(known, ", "))
		}
	}
	return errors.New(strings.Join(msgs, "; "))
}

// nearest is the candidate within a few edits of s, or "" when none is close enough to be a typo of it.
func nearest(s string, candidates []string) string {
	best, bestDist := "", len(s)/2+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
