package profile

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/gwconform/gwconform/schemas"
)

// schemas/profile.json states the bounds and the variable-name pattern for editors, and the loader states
// them in its own messages: the two are one fact, held here to each other.
func TestTheSchemaBoundsAreTheLoaders(t *testing.T) {
	b, err := schemas.FS.ReadFile("profile.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	at := func(path ...string) map[string]any {
		node := doc
		for _, p := range path {
			next, ok := node[p].(map[string]any)
			if !ok {
				t.Fatalf("schemas/profile.json has no %v", path)
			}
			node = next
		}
		return node
	}
	for name, c := range map[string]struct {
		node map[string]any
		max  int
	}{
		"rate_limit.burst":       {at("properties", "rate_limit", "properties", "burst"), MaxBurst},
		"rate_limit.concurrency": {at("properties", "rate_limit", "properties", "concurrency"), MaxBurstConcurrency},
		"retry.attempts":         {at("properties", "retry", "properties", "attempts"), MaxRetryAttempts},
		"negative.count":         {at("properties", "negative", "properties", "count"), MaxNegative},
	} {
		if got, _ := c.node["maximum"].(float64); int(got) != c.max {
			t.Errorf("%s: the schema's maximum is %v, the loader's %d", name, c.node["maximum"], c.max)
		}
	}
	pattern, _ := at("properties", "api_key_env")["pattern"].(string)
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Fatalf("api_key_env's pattern %q: %v", pattern, err)
	}
	for _, name := range []string{"API_KEY", "_K", "k9", "GWC_HEADER_X_TENANT", "", "9K", "$API_KEY", "API-KEY", "A B", "KÉY"} {
		if re.MatchString(name) != ValidEnvName(name) {
			t.Errorf("%q: the schema's pattern says %t, ValidEnvName %t", name, re.MatchString(name), ValidEnvName(name))
		}
	}
}
