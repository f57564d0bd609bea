// Package validate compiles the JSON Schemas of schemas/ once per process and validates answers' bodies
// against them, naming each violation by the JSON pointer that broke.
package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/gwconform/gwconform/schemas"
	"github.com/xeipuuv/gojsonschema"
)

// Names of the schemas, as files in schemas/.
const (
	ErrorEnvelope = "error-envelope.json"
	ModelList     = "model-list.json"
	ModelEntry    = "model-entry.json"
	// Scenario is the format of fixtures/scenarios/*.yaml, which the scenario loader checks each file against.
	Scenario = "scenario.json"
)

// errorSchemaPrefix starts the name of every schema an error answer is judged against.
const errorSchemaPrefix = "error-"

// ForErrorType names the schema that pins error.type to a documented discriminator; ok is false for a type
// the provider's page does not document (403, 429, 500, 503 answers), which only the envelope constrains.
func ForErrorType(errorType string) (name string, ok bool) {
	name = errorSchemaPrefix + errorType + ".json"
	_, err := fs.Stat(schemas.FS, name)
	return name, err == nil
}

// Violation is one way a document breaks a schema.
type Violation struct {
	Pointer string // RFC 6901 JSON pointer of the offending value; "" is the whole document
	Reason  string
}

func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "(document)"
	}
	return p + ": " + v.Reason
}

// Set is the compiled schemas, safe for concurrent use.
type Set struct {
	compiled map[string]*gojsonschema.Schema
}

// Load returns the process-wide compiled set; the first call compiles, later calls share the result.
var Load = sync.OnceValues(compileAll)

func compileAll() (*Set, error) {
	entries, err := fs.ReadDir(schemas.FS, ".")
	if err != nil {
		return nil, err
	}
	raw := map[string][]byte{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := fs.ReadFile(schemas.FS, e.Name())
		if err != nil {
			return nil, err
		}
		raw[e.Name()] = b
	}
	set := &Set{compiled: map[string]*gojsonschema.Schema{}}
	for name, b := range raw {
		// Every schema may $ref any other by file name, so each loader knows them all (their $id resolves refs).
		loader := gojsonschema.NewSchemaLoader()
		loader.Draft = gojsonschema.Draft7
		loader.Validate = true
		for other, ob := range raw {
			if other != name {
				if err := loader.AddSchemas(gojsonschema.NewBytesLoader(ob)); err != nil {
					return nil, fmt.Errorf("schema %s: %w", other, err)
				}
			}
		}
		s, err := loader.Compile(gojsonschema.NewBytesLoader(b))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		set.compiled[name] = s
	}
	return set, nil
}

// Names lists the compiled schemas.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.compiled))
	for n := range s.compiled {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Validate checks doc against the named schema. A body that is not JSON is one violation at the document
// root, not an error: to a conformance check it is simply a non-conforming answer.
func (s *Set) Validate(name string, doc []byte) ([]Violation, error) {
	if _, ok := s.compiled[name]; !ok {
		return nil, fmt.Errorf("no schema named %q", name)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return []Violation{{Reason: "body is not JSON: " + err.Error()}}, nil
	}
	if dec.More() {
		return []Violation{{Reason: "body is not JSON: data after the top-level value"}}, nil
	}
	return s.ValidateValue(name, v)
}

// ValidateValue checks an already decoded JSON value (for example one element of a list).
func (s *Set) ValidateValue(name string, v any) ([]Violation, error) {
	sch, ok := s.compiled[name]
	if !ok {
		return nil, fmt.Errorf("no schema named %q", name)
	}
	res, err := sch.Validate(gojsonschema.NewGoLoader(v))
	if err != nil {
		return nil, fmt.Errorf("validate against %s: %w", name, err)
	}
	var out []Violation
	for _, re := range res.Errors() {
		// allOf reports a summary beside the precise errors it wraps; the precise ones say it all.
		if re.Type() == "number_all_of" {
			continue
		}
		out = append(out, Violation{Pointer: pointer(re), Reason: re.Description()})
	}
	return out, nil
}

// pointer turns gojsonschema's "(root).a.b" context into the JSON pointer "/a/b". For a missing member the
// context names the parent object, so the member is appended: the pointer says where the value should be.
func pointer(re gojsonschema.ResultError) string {
	const sep = "\x00"
	parts := strings.Split(re.Context().String(sep), sep)
	if len(parts) > 0 && parts[0] == gojsonschema.STRING_CONTEXT_ROOT {
		parts = parts[1:]
	}
	if re.Type() == "required" {
		if prop, ok := re.Details()["property"].(string); ok {
			parts = append(parts, prop)
		}
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(p))
	}
	return b.String()
}

// ErrorSchemas lists the schemas an error answer is judged against: the envelope's and each documented
// type's, not the formats of the suite's own files (the profile's, the scenarios').
func (s *Set) ErrorSchemas() []string {
	var names []string
	for _, n := range s.Names() {
		if strings.HasPrefix(n, errorSchemaPrefix) {
			names = append(names, n)
		}
	}
	return names
}

// extraMembers is an envelope as a newer gateway may send it: members the contract does not name, inside
// error and at the top level, of every JSON kind.
const extraMembers = `{"error": {"message": "m", "type": "%s", "code": null, "param": null,
	"request_id": "req_1", "details": {"retry": false}, "tags": ["a"], "status": 400},
	"trace_id": "t-1", "object": "error", "meta": null}`

// AcceptsExtraMembers proves ENV-6 of the compiled set: no error schema rejects an envelope for members the
// contract does not name. It binds the suite, not a target, so a run checks it of itself.
func (s *Set) AcceptsExtraMembers() error {
	for _, name := range s.ErrorSchemas() {
		typ := strings.TrimSuffix(strings.TrimPrefix(name, errorSchemaPrefix), ".json")
		if name == ErrorEnvelope {
			typ = "any_type"
		}
		vs, err := s.Validate(name, []byte(fmt.Sprintf(extraMembers, typ)))
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			return fmt.Errorf("%s rejects an envelope with extra members: %s", name, vs[0])
		}
	}
	return nil
}
