package suite

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite testdata/conformance.yaml from the plan")

// goldenSpec is one line of the golden list: every spec the suite runs, reviewable in a diff like
// Kubernetes' conformance.yaml, so adding, renaming or relabelling a spec is a visible change.
type goldenSpec struct {
	Name         string   `yaml:"name"`
	Level        string   `yaml:"level"`
	Requirements []string `yaml:"requirements,flow"`
	Labels       []string `yaml:"labels,flow"`
}

func TestConformanceGolden(t *testing.T) {
	plan, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	var list []goldenSpec
	seen := map[string]bool{}
	for _, s := range plan.Specs() {
		if seen[s.Name()] {
			t.Errorf("two specs are named %q: reports and --known-failing tell specs by name", s.Name())
		}
		seen[s.Name()] = true
		list = append(list, goldenSpec{Name: s.Name(), Level: s.Level, Requirements: s.Charges, Labels: s.Labels})
	}
	var b bytes.Buffer
	b.WriteString("# Every spec gwconform runs, generated from fixtures/ by\n#   go test ./suite -run TestConformanceGolden -update\n# Do not edit by hand: change the scenarios, then regenerate and review the diff.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(list); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "conformance.yaml")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, b.Bytes()) {
		t.Fatalf("%s is out of date with the scenarios: run go test ./suite -run TestConformanceGolden -update and review the diff", path)
	}
}
