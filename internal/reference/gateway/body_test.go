package gateway

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// tokenDuplicate is duplicateMember as the obvious token walk does it, too
// slow for every request but plain enough to check the scan against.
func tokenDuplicate(data []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type container struct {
		names    map[string]bool
		wantName bool
	}
	var open []*container // nil for an array
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		var top *container
		if len(open) > 0 {
			top = open[len(open)-1]
		}
		switch tok {
		case json.Delim('}'), json.Delim(']'):
			open = open[:len(open)-1]
			continue
		}
		if top != nil && top.wantName {
			name := tok.(string)
			if top.names[name] {
				return name, true
			}
			top.names[name], top.wantName = true, false
			continue
		}
		if top != nil {
			top.wantName = true
		}
		switch tok {
		case json.Delim('{'):
			open = append(open, &container{names: map[string]bool{}, wantName: true})
		case json.Delim('['):
			open = append(open, nil)
		}
	}
}

var duplicateSeeds = []string{
	`{}`, `{"a":1}`, `{"a":1,"a":1}`, `{"a":1,"b":{"a":1}}`, `{"a":[{"a":1},{"a":2}]}`,
	`{"a":"a","b":"a"}`, `{"a":{"b":1,"b":2}}`, `{"a\u0062":1,"ab":2}`, `{"\"":1,"\\":2,"\"":3}`,
	`[{"x":[1,{"y":2,"y":3}]}]`, `{"a":"}","a":"{"}`, `{"a":[",\"a\"",1],"b":2}`, `{"":1,"":2}`,
	`{"a" : 1 , "b" : [ { } , { "a" : 1 , "a" : 2 } ] }`, `{"\/":1,"/":2}`, `"a"`, `[1,"a","a"]`,
}

func TestDuplicateMember(t *testing.T) {
	for _, s := range duplicateSeeds {
		name, found := duplicateMember([]byte(s))
		wantName, want := tokenDuplicate([]byte(s))
		if name != wantName || found != want {
			t.Errorf("%s: %q %v, want %q %v", s, name, found, wantName, want)
		}
	}
}

// FuzzDuplicateMember holds the scan to the token walk on any body that
// reaches it: valid JSON in valid UTF-8, no lone surrogate. Any other input
// must not make either scan panic, though its answer means nothing.
func FuzzDuplicateMember(f *testing.F) {
	for _, s := range duplicateSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data := []byte(s)
		lone := hasLoneSurrogate(data)
		_, _ = duplicateMember(data)
		if !json.Valid(data) || !utf8.Valid(data) || lone {
			return
		}
		name, found := duplicateMember(data)
		wantName, want := tokenDuplicate(data)
		if name != wantName || found != want {
			t.Fatalf("%s: %q %v, want %q %v", s, name, found, wantName, want)
		}
	})
}

// Nesting at encoding/json's own limit passes the scans with no stack to speak of. How long the scans take
// on a body at the size limit is BenchmarkBodyScans's to measure, never a test's to assert.
func TestBodyScansTakeNestingAtTheParsersLimit(t *testing.T) {
	for name, body := range map[string]string{
		"deep":      `{"a":` + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + `}`,
		"deep objs": strings.Repeat(`{"a":`, 9990) + "1" + strings.Repeat("}", 9990),
	} {
		if _, err := parseRequestBody([]byte(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func BenchmarkBodyScans(b *testing.B) {
	body := []byte(`{"a":[` + strings.Repeat(`{"a":0,"b":"\ud83d\ude00"},`, (defaultMaxBodyBytes-64)/28) + `{}]}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if checkText(body) != nil {
			b.Fatal("refused")
		}
		if _, found := duplicateMember(body); found {
			b.Fatal("duplicate")
		}
	}
}
