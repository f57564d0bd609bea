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

// Set is the loaded scenarios plus the body files they refer to.
type Set struct {
	Scenarios []Scenario
	bodies    fs.FS
}

// Checks are what the loader verifies each scenario's references against.
type Checks struct {
	Requirement func(id string) bool
	Schema      func(name string) bool
}

// Load reads every scenarios/*.yaml of fsys (bodies come from bodies/), checks each file against
// schemas/scenario.json, and refuses a set the schema refuses, or with a duplicate id, a dangling reference,
// fields that do not combine or the canary prompt written out, so a typo in a fixture fails loudly, not
// silently.
func Load(fsys fs.FS, checks Checks) (*Set, error) {
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
	if err := fs.WalkDir(bodies, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(bodies, p)
		if err != nil {
			return err
		}
		return refuseCanary(path.Join("bodies", p), raw)
	}); err != nil {
		return nil, err
	}
	c := &Set{bodies: bodies}
	seen := map[string]string{}
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		if err := refuseCanary(f, raw); err != nil {
			return nil, err
		}
		var doc any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		// A file of comments alone holds no scenario, as it always did; any other is the schema's to judge.
		if doc != nil {
			if err := againstSchema(doc); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
		}
		// The schema refuses an unknown field first; KnownFields stays as the backstop should a field the
		// schema allows be missing from Scenario (TestTheSchemaNamesEveryFieldOfScenario ties the two).
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

// refuseCanary refuses a fixture that writes the canary prompt out: it must say {{prompt}}, so that the
// prompt sent and the prompt ENV-8 looks for in answers are the one constant.
func refuseCanary(where string, data []byte) error {
	if bytes.Contains(data, []byte(CanaryPrompt)) {
		return fmt.Errorf("%s: holds the canary prompt %q literally: write %s, which is filled with it", where, CanaryPrompt, Ref(PromptVar))
	}
	return nil
}

func (c *Set) checkPlaceholders(s Scenario) error {
	tmpl, err := c.template(s.Request)
	if err != nil {
		return fmt.Errorf("scenario %q: %w", s.ID, err)
	}
	if s.Request.Body != nil {
		// The file was checked as written; this catches the prompt spelt with YAML escapes or folding.
		if err := refuseCanary(fmt.Sprintf("scenario %q: request.body", s.ID), []byte(*s.Request.Body)); err != nil {
			return err
		}
	}
	used := placeholdersIn(tmpl)
	for _, name := range used {
		_, known := Placeholders[name]
		if _, derived := Derived[name]; !known && !derived {
			return fmt.Errorf("scenario %q: unknown placeholder %s", s.ID, Ref(name))
		}
		if key, ok := FaultOfVar(name); ok && known {
			return fmt.Errorf("scenario %q: write %s and fault: %s, not %s", s.ID, Ref(FaultModelVar), key, Ref(name))
		}
	}
	switch usesFault := slices.Contains(used, FaultModelVar); {
	case usesFault && s.Fault == "":
		return fmt.Errorf("scenario %q: %s needs fault: naming the upstream fault", s.ID, Ref(FaultModelVar))
	case !usesFault && s.Fault != "":
		return fmt.Errorf("scenario %q: fault needs a body that uses %s", s.ID, Ref(FaultModelVar))
	}
	paths := []byte(s.Request.Path)
	for _, ctl := range s.Controls {
		paths = append(paths, ctl.Path...)
	}
	for _, name := range placeholdersIn(paths) {
		if _, derived := Derived[name]; derived {
			return fmt.Errorf("scenario %q: %s is filled in a body only, not in a path", s.ID, Ref(name))
		}
		if _, ok := Placeholders[name]; !ok {
			return fmt.Errorf("scenario %q: unknown placeholder %s", s.ID, Ref(name))
		}
	}
	if s.EachModel && !slices.Contains(placeholdersIn(tmpl), ModelVar) {
		return fmt.Errorf("scenario %q: each_model needs a body that uses %s", s.ID, Ref(ModelVar))
	}
	return nil
}
