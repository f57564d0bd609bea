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
