package scenario

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/gwconform/gwconform/fixtures"
	"github.com/gwconform/gwconform/internal/faults"
)

// anyBraces is whatever a fixture writes between {{ and }}, spelled right or not: a name the placeholder
// syntax does not read ({{ model }}, {{Model}}) would be sent as it is written.
var anyBraces = regexp.MustCompile(`\{\{(.*?)\}\}`)

// Every placeholder a shipped scenario or body writes is one this package names, spelled as it reads it.
func TestTheFixturesWriteOnlyKnownPlaceholders(t *testing.T) {
	known := map[string]bool{}
	for _, n := range []string{ModelVar, ModelWithoutMaxTokensVar, UnknownModelVar, TriggerModelVar, BurstModelVar, ConfidentialModelVar, PromptVar, FaultModelVar} {
		known[n] = true
	}
	for _, pattern := range []string{"scenarios/*.yaml", "bodies/*"} {
		files, err := fs.Glob(fixtures.FS, pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v, %d files", pattern, err, len(files))
		}
		for _, f := range files {
			data, err := fs.ReadFile(fixtures.FS, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range anyBraces.FindAllStringSubmatch(string(data), -1) {
				if !known[m[1]] {
					t.Errorf("%s writes %s, not a placeholder of internal/scenario", f, m[0])
				}
			}
		}
	}
}

// The set's own tables are keyed by the constants: each placeholder a run provides, each fault's model,
// and each the set derives, once.
func TestThePlaceholdersAreTheNamedOnes(t *testing.T) {
	want := map[string]bool{ModelVar: true, ModelWithoutMaxTokensVar: true, UnknownModelVar: true, TriggerModelVar: true, BurstModelVar: true, ConfidentialModelVar: true}
	for _, k := range faults.Keys() {
		want[FaultVar(k)] = true
	}
	for n := range Placeholders {
		if !want[n] {
			t.Errorf("Placeholders holds %q, which no constant names", n)
		}
		delete(want, n)
	}
	for n := range want {
		t.Errorf("Placeholders lacks %q", n)
	}
	for n := range Derived {
		if n != PromptVar && n != FaultModelVar {
			t.Errorf("Derived holds %q", n)
		}
		if _, ok := Placeholders[n]; ok {
			t.Errorf("%q is both provided and derived", n)
		}
	}
	for _, k := range faults.Keys() {
		if key, ok := FaultOfVar(FaultVar(k)); !ok || key != k {
			t.Errorf("FaultOfVar(FaultVar(%q)) = %q, %v", k, key, ok)
		}
	}
	for _, n := range []string{FaultModelVar, ModelVar, PromptVar} {
		if key, ok := FaultOfVar(n); ok {
			t.Errorf("FaultOfVar(%q) = %q: it names no fault", n, key)
		}
	}
}
