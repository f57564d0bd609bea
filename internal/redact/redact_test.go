package redact

import "testing"

func TestRedactorReplacesEverySecret(t *testing.T) {
	r := New().Add("gwc-secret-123", "$API_KEY").Add("gwc-secret-123-long", "$OTHER").Add("abc", "$SHORT")
	got := r.String("key gwc-secret-123 and gwc-secret-123-long and abc")
	want := "key $API_KEY and $OTHER and abc"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if found := r.Contains("x gwc-secret-123 y"); len(found) != 1 || found[0] != "$API_KEY" {
		t.Fatalf("Contains = %v", found)
	}
	var nilR *Redactor
	if nilR.String("s") != "s" {
		t.Fatal("nil redactor changed its input")
	}
}

// A short secret is hidden where the suite put it, a request header, and nowhere else: the same word in
// the target's answer is what the target sent.
func TestShortSecretsAreHiddenOnlyInTheSuitesHeaders(t *testing.T) {
	r := New().Add("openai", "$GWC_HEADER_X_PROVIDER").Add("gwc-long-secret-9", "$API_KEY")
	for in, want := range map[string]string{
		"openai":                   "$GWC_HEADER_X_PROVIDER",
		"Bearer openai":            "Bearer $GWC_HEADER_X_PROVIDER",
		"Bearer gwc-long-secret-9": "Bearer $API_KEY",
		"openai-compatible":        "openai-compatible",
	} {
		if got := r.HeaderValue(in); got != want {
			t.Errorf("HeaderValue(%q) = %q, want %q", in, got, want)
		}
	}
	if got := r.String(`{"error":{"message":"openai said no to gwc-long-secret-9"}}`); got != `{"error":{"message":"openai said no to $API_KEY"}}` {
		t.Errorf("a body became %s", got)
	}
}
