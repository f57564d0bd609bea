package scenario

import (
	"encoding/json"
	"io/fs"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/fixtures"
	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/validate"
	"github.com/gwconform/gwconform/schemas"
)

// Every shipped scenario file points an editor at the schema the loader checks it with, and the relative
// path it names is that schema's.
func TestTheShippedScenariosNameTheirSchema(t *testing.T) {
	target, ok := strings.CutPrefix(SchemaLine, "# yaml-language-server: $schema=")
	if !ok {
		t.Fatalf("SchemaLine %q is not a yaml-language-server line", SchemaLine)
	}
	if got := path.Join("fixtures/scenarios", target); got != "schemas/"+validate.Scenario {
		t.Errorf("%s resolves to %s from fixtures/scenarios", target, got)
	}
	if _, err := fs.Stat(schemas.FS, path.Base(target)); err != nil {
		t.Errorf("the schema the line names: %v", err)
	}
	files, err := fs.Glob(fixtures.FS, "scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	for _, f := range files {
		raw, err := fs.ReadFile(fixtures.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		if first, _, _ := strings.Cut(string(raw), "\n"); first != SchemaLine {
			t.Errorf("%s starts with %q, want %q", f, first, SchemaLine)
		}
	}
}

// scenarioSchema is schemas/scenario.json's definitions, read as plain JSON.
type scenarioSchema struct {
	Definitions map[string]struct {
		Properties map[string]struct {
			Enum []string `json:"enum"`
		} `json:"properties"`
		Enum []string `json:"enum"`
	} `json:"definitions"`
}

func readScenarioSchema(t *testing.T) scenarioSchema {
	t.Helper()
	raw, err := fs.ReadFile(schemas.FS, validate.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	var s scenarioSchema
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s scenarioSchema) properties(t *testing.T, def string) []string {
	t.Helper()
	d, ok := s.Definitions[def]
	if !ok {
		t.Fatalf("the schema has no definitions.%s", def)
	}
	names := make([]string, 0, len(d.Properties))
	for n := range d.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// yamlFields are the fields a struct decodes, by their yaml names.
func yamlFields(v any) []string {
	var names []string
	typ := reflect.TypeOf(v)
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// The schema owns the format and the structs decode it: a field one has and the other lacks would be a
// field an editor offers and the loader refuses, or one the loader reads and no editor knows.
func TestTheSchemaNamesEveryFieldOfScenario(t *testing.T) {
	s := readScenarioSchema(t)
	for def, v := range map[string]any{"scenario": Scenario{}, "request": Request{}, "expect": Expect{}, "each": Each{}} {
		if got, want := s.properties(t, def), yamlFields(v); !slices.Equal(got, want) {
			t.Errorf("definitions.%s has %v, %T decodes %v", def, got, v, want)
		}
	}
	if got, want := s.properties(t, "control"), []string{"credential", "path"}; !slices.Equal(got, want) {
		t.Errorf("a control may set %v, want %v: it differs in the element under test alone", got, want)
	}
}

// Where code acts on a field's values, the schema's enum is the code's list, so that no value is offered
// that the code has no meaning for, nor one refused that it has.
func TestTheSchemaEnumsAreTheCodes(t *testing.T) {
	s := readScenarioSchema(t)
	sorted := func(v []string) []string { return slices.Sorted(slices.Values(v)) }
	cases := map[string]struct{ schema, code []string }{
		"credential":     {s.Definitions["credential"].Enum, CredentialNames()},
		"fault":          {s.Definitions["fault"].Enum, faults.Keys()},
		"trigger":        {s.Definitions["scenario"].Properties["trigger"].Enum, profile.Triggers},
		"when":           {s.Definitions["scenario"].Properties["when"].Enum, Facts},
		"expect.like":    {s.Definitions["expect"].Properties["like"].Enum, ControlNames},
		"controls' keys": {s.properties(t, "controls"), ControlNames},
	}
	for name, c := range cases {
		if !slices.Equal(sorted(c.schema), sorted(c.code)) {
			t.Errorf("%s: the schema allows %v, the code knows %v", name, c.schema, c.code)
		}
	}
}
