package scenario

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gwconform/gwconform/internal/validate"
)

// SchemaLine is the first line of every scenario file: it points an editor (yaml-language-server) at the
// schema the loader checks the file against, so that what an editor accepts, the loader accepts.
const SchemaLine = "# yaml-language-server: $schema=../../schemas/" + validate.Scenario

// againstSchema checks one file's document against schemas/scenario.json, which owns the format: every
// field, its type, its values and which are required. A violation is named by its JSON pointer into the
// file, and by the id of the scenario it is in, where that scenario has one.
func againstSchema(doc any) error {
	set, err := validate.Load()
	if err != nil {
		return err
	}
	vs, err := set.ValidateValue(validate.Scenario, doc)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return nil
	}
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = v.String()
		if got, ok := scalarAt(doc, v.Pointer); ok {
			msgs[i] += fmt.Sprintf(" (got %s)", shown(got))
		}
		if id := idAt(doc, v.Pointer); id != "" {
			msgs[i] = fmt.Sprintf("scenario %q: %s", id, msgs[i])
		}
	}
	sort.Strings(msgs)
	return fmt.Errorf("against schemas/%s: %s", validate.Scenario, strings.Join(msgs, "; "))
}

// scalarAt is the value a pointer names when it is a string, number or boolean: the schema's words say what
// a value must be, and the mistake is plainer beside what it is.
func scalarAt(doc any, pointer string) (any, bool) {
	v := doc
	for _, seg := range strings.Split(pointer, "/")[1:] {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	switch v.(type) {
	case string, int, float64, bool:
		return v, true
	}
	return nil, false
}

// shown writes a value as YAML would need it written: a string quoted, so that "401" and 401 read apart.
func shown(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// idAt is the id of the scenario a pointer into a file's document is inside ("" when it has none): the
// pointer says /3/request, a person looks for the scenario by its id.
func idAt(doc any, pointer string) string {
	list, ok := doc.([]any)
	if !ok {
		return ""
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(pointer, "/"), "/")
	i, err := strconv.Atoi(first)
	if err != nil || i < 0 || i >= len(list) {
		return ""
	}
	s, _ := list[i].(map[string]any)
	id, _ := s["id"].(string)
	return id
}
