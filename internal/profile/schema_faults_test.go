package profile

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/schemas"
)

// The schema an editor completes a profile with cannot derive the fault keys from the catalogue, so it is
// held to it: a fault added to faults.All() and not to the schema would be refused by profile check.
func TestTheProfileSchemaNamesEveryFaultKey(t *testing.T) {
	raw, err := schemas.FS.ReadFile("profile.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Properties struct {
			Upstream struct {
				Properties struct {
					Models struct {
						Properties map[string]json.RawMessage `json:"properties"`
					} `json:"models"`
					Except struct {
						Items struct {
							Enum []string `json:"enum"`
						} `json:"items"`
					} `json:"except"`
				} `json:"properties"`
			} `json:"upstream"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	up := doc.Properties.Upstream.Properties
	var models []string
	for k := range up.Models.Properties {
		models = append(models, k)
	}
	want := slices.Sorted(slices.Values(faults.Keys()))
	if slices.Sort(models); !slices.Equal(models, want) {
		t.Errorf("upstream.models names %v, want %v", models, want)
	}
	if !slices.Equal(up.Except.Items.Enum, faults.Keys()) {
		t.Errorf("upstream.except allows %v, want %v in the catalogue's order", up.Except.Items.Enum, faults.Keys())
	}
}
