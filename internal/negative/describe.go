// Package negative generates invalid chat-completion request bodies from a description of the request
// schema, each breaking exactly one rule, and shrinks a body a target mishandles to the smallest that it
// still mishandles the same way. It knows no target: the suite sends what it makes (NEG-1).
package negative

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"

	"github.com/gwconform/gwconform/schemas"
)

// DescriptionFile is the request schema in schemas/ the generator reads.
const DescriptionFile = "chat-completion-request.json"

// Schema is the part of draft-07 the generator understands: types, numeric bounds, enums, required members,
// properties and array items. Describe refuses any other keyword, so the description never says more than
// the generator honours.
type Schema struct {
	Types            []string           // "string", "number", "integer", "boolean", "array", "object", "null"
	Enum             []string           // the allowed strings, for a string with an enum
	Minimum          *json.Number       // inclusive bounds
	Maximum          *json.Number       //
	ExclusiveMinimum *json.Number       // draft-07's numeric form
	ExclusiveMaximum *json.Number       //
	Required         []string           // of an object
	Properties       map[string]*Schema // of an object
	Items            *Schema            // of an array
	FreeText         bool               // x-free-text: a string whose bytes are free text
}

// rawSchema is a schema as the file spells it.
type rawSchema struct {
	Schema      string                `json:"$schema"`
	ID          string                `json:"$id"`
	Title       string                `json:"title"`
	Description string                `json:"description"`
	Type        json.RawMessage       `json:"type"`
	Enum        []string              `json:"enum"`
	Minimum     *json.Number          `json:"minimum"`
	Maximum     *json.Number          `json:"maximum"`
	ExclMinimum *json.Number          `json:"exclusiveMinimum"`
	ExclMaximum *json.Number          `json:"exclusiveMaximum"`
	Required    []string              `json:"required"`
	Properties  map[string]*rawSchema `json:"properties"`
	Items       *rawSchema            `json:"items"`
	FreeText    bool                  `json:"x-free-text"`
}

// Describe reads the request schema from schemas/.
func Describe() (*Schema, error) {
	b, err := fs.ReadFile(schemas.FS, DescriptionFile)
	if err != nil {
		return nil, err
	}
	s, err := ParseDescription(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", DescriptionFile, err)
	}
	return s, nil
}

// ParseDescription reads a request schema; a keyword the generator does not honour is an error.
func ParseDescription(b []byte) (*Schema, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var raw rawSchema
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	s, err := raw.schema("")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(s.Types, "object") || s.Properties["model"] == nil || s.Properties["messages"] == nil {
		return nil, fmt.Errorf("want an object schema with model and messages")
	}
	return s, nil
}

var knownTypes = []string{"string", "number", "integer", "boolean", "array", "object", "null"}

func (r *rawSchema) schema(at string) (*Schema, error) {
	s := &Schema{Enum: r.Enum, Minimum: r.Minimum, Maximum: r.Maximum, ExclusiveMinimum: r.ExclMinimum,
		ExclusiveMaximum: r.ExclMaximum, Required: r.Required, FreeText: r.FreeText}
	if len(r.Type) > 0 {
		var one string
		if err := json.Unmarshal(r.Type, &one); err == nil {
			s.Types = []string{one}
		} else if err := json.Unmarshal(r.Type, &s.Types); err != nil {
			return nil, fmt.Errorf("%s: type: want a name or a list of names", pathOr(at))
		}
	}
	if len(s.Types) == 0 {
		return nil, fmt.Errorf("%s: no type: every value the generator breaks needs one", pathOr(at))
	}
	for _, t := range s.Types {
		if !slices.Contains(knownTypes, t) {
			return nil, fmt.Errorf("%s: unknown type %q", pathOr(at), t)
		}
	}
	for _, name := range r.Required {
		if r.Properties[name] == nil {
			return nil, fmt.Errorf("%s: required %q is not among its properties", pathOr(at), name)
		}
	}
	if len(r.Properties) > 0 {
		s.Properties = map[string]*Schema{}
		for name, p := range r.Properties {
			ps, err := p.schema(join(at, name))
			if err != nil {
				return nil, err
			}
			s.Properties[name] = ps
		}
	}
	if r.Items != nil {
		items, err := r.Items.schema(at + "[]")
		if err != nil {
			return nil, err
		}
		s.Items = items
	}
	return s, nil
}

// Allows says whether a value of JSON type t is of the schema's types ("integer" is a "number" too).
func (s *Schema) Allows(t string) bool {
	return slices.Contains(s.Types, t) || t == "integer" && slices.Contains(s.Types, "number")
}

// numeric says whether the schema takes numbers and which kind: "integer", "number" or "".
func (s *Schema) numeric() string {
	switch {
	case slices.Contains(s.Types, "number"):
		return "number"
	case slices.Contains(s.Types, "integer"):
		return "integer"
	}
	return ""
}

// names are an object schema's property names, sorted: the order rules and bodies are made in.
func (s *Schema) names() []string {
	out := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

func pathOr(at string) string {
	if at == "" {
		return "the body"
	}
	return at
}
