package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Catalogue is the loaded scenarios plus the body files they refer to.
type Catalogue struct {
	Scenarios []Scenario
	bodies    fs.FS
}

// Checks are what the loader verifies each scenario's references against.
type Checks struct {
	Requirement func(id string) bool
	Schema      func(name string) bool
}

// Load reads every scenarios/*.yaml of fsys (bodies come from bodies/) and refuses a catalogue with an
// unknown field, a duplicate id or a dangling reference, so a typo in a fixture fails loudly, not silently.
func Load(fsys fs.FS, checks Checks) (*Catalogue, error) {
	files, err := fs.Glob(fsys, "scenarios/*.yaml")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no scenarios/*.yaml found")
	}
	sort.Strings(files)
	bodies, err := fs.Sub(fsys, "bodies")
	if err != nil {
		return nil, err
	}
	bodyExists := func(name string) bool {
		_, err := fs.Stat(bodies, path.Clean(name))
		return err == nil
	}
	c := &Catalogue{bodies: bodies}
	seen := map[string]string{}
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var list []Scenario
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&list); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, s := range list {
			if prev, dup := seen[s.ID]; dup {
				return nil, fmt.Errorf("%s: scenario %q is already defined in %s", f, s.ID, prev)
			}
			seen[s.ID] = f
			if err := s.validate(checks.Requirement, checks.Schema, bodyExists); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if err := c.checkPlaceholders(s); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			c.Scenarios = append(c.Scenarios, s)
		}
	}
	return c, nil
}

func (c *Catalogue) checkPlaceholders(s Scenario) error {
	tmpl, err := c.template(s.Request)
	if err != nil {
		return fmt.Errorf("scenario %q: %w", s.ID, err)
	}
	for _, name := range c.Needs(s) {
		if _, ok := Placeholders[name]; !ok {
			return fmt.Errorf("scenario %q: unknown placeholder {{%s}}", s.ID, name)
		}
	}
	if s.EachModel && !slices.Contains(placeholdersIn(tmpl), "model") {
		return fmt.Errorf("scenario %q: each_model needs a body that uses {{model}}", s.ID)
	}
	return nil
}
