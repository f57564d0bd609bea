package validate

import (
	"strings"
	"testing"
)

func TestValidateNamesThePointerThatBroke(t *testing.T) {
	set, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	auth, ok := ForErrorType("authentication_error")
	if !ok {
		t.Fatal("no schema for authentication_error")
	}
	cases := []struct {
		name, schema, doc string
		want              []string // "pointer: reason substring"; empty means valid
	}{
		{"provider example", ErrorEnvelope, `{"error":{"message":"Invalid API key provided","type":"authentication_error","code":null,"param":null}}`, nil},
		{"extra members allowed (ENV-6)", ErrorEnvelope, `{"error":{"message":"m","type":"t","code":"c","param":"p","request_id":"r"},"trace":1}`, nil},
		{"flat envelope", ErrorEnvelope, `{"message":"m","type":"t","code":null,"param":null}`, []string{"/error: error is required"}},
		{"error as string", ErrorEnvelope, `{"error":"boom"}`, []string{"/error: Invalid type"}},
		{"integer code", ErrorEnvelope, `{"error":{"message":"m","type":"t","code":400,"param":null}}`, []string{"/error/code: Invalid type"}},
		{"param missing", ErrorEnvelope, `{"error":{"message":"m","type":"t","code":null}}`, []string{"/error/param: param is required"}},
		{"empty type", ErrorEnvelope, `{"error":{"message":"m","type":"","code":null,"param":null}}`, []string{"/error/type: String length must be greater than or equal to 1"}},
		{"not JSON", ErrorEnvelope, `<html>502 Bad Gateway</html>`, []string{"(document): body is not JSON"}},
		{"trailing data", ErrorEnvelope, `{"error":{}} x`, []string{"(document): body is not JSON"}},
		{"type pinned", auth, `{"error":{"message":"m","type":"invalid_request_error","code":null,"param":null}}`, []string{"/error/type: does not match"}},
		{"type pinned still needs the envelope", auth, `{"error":{"type":"authentication_error","code":null,"param":null}}`, []string{"/error/message: message is required"}},
		{"type pinned accepts its type", auth, `{"error":{"message":"m","type":"authentication_error","code":null,"param":null}}`, nil},
		{"provider model list without object", ModelList, `{"data":[{"id":"phala/qwen3.5-27b"}]}`, nil},
		{"model list data not array", ModelList, `{"data":{"id":"x"}}`, []string{"/data: Invalid type"}},
		{"model id not string", ModelList, `{"data":[{"id":7}]}`, []string{"/data/0/id: Invalid type"}},
		{"model entry with parameters", ModelEntry, `{"id":"m","supported_parameters":["max_tokens"]}`, nil},
		{"model entry without parameters", ModelEntry, `{"id":"m"}`, []string{"/supported_parameters: supported_parameters is required"}},
		{"model entry parameters not strings", ModelEntry, `{"id":"m","supported_parameters":[1]}`, []string{"/supported_parameters/0: Invalid type"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vs, err := set.Validate(c.schema, []byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.want) == 0 && len(vs) != 0 {
				t.Fatalf("want valid, got %v", vs)
			}
			for _, w := range c.want {
				found := false
				for _, v := range vs {
					ptr, reason, _ := strings.Cut(w, ": ")
					if strings.HasPrefix(v.String(), ptr+": ") && strings.Contains(v.Reason, reason) {
						found = true
					}
				}
				if !found {
					t.Errorf("want a violation %q, got %v", w, vs)
				}
			}
		})
	}
}

func TestEveryDocumentedTypeHasASchema(t *testing.T) {
	for _, typ := range []string{"authentication_error", "invalid_request_error", "model_not_found", "upstream_error"} {
		if _, ok := ForErrorType(typ); !ok {
			t.Errorf("no schema pins %s", typ)
		}
	}
	if _, ok := ForErrorType("rate_limit_error"); ok {
		t.Error("an undocumented type must not have a pinning schema")
	}
}

func TestLoadCompilesOncePerProcess(t *testing.T) {
	a, _ := Load()
	b, _ := Load()
	if a != b {
		t.Fatal("Load compiled twice")
	}
}

func BenchmarkValidateEnvelope(b *testing.B) {
	set, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	doc := []byte(`{"error":{"message":"Invalid API key provided","type":"authentication_error","code":null,"param":null}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.Validate(ErrorEnvelope, doc); err != nil {
			b.Fatal(err)
		}
	}
}
