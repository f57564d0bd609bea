package suite

import "testing"

// CheckBaseURL is the one test of a base URL, and New refuses what it refuses.
func TestCheckBaseURL(t *testing.T) {
	plan, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:8080/v1":   true,
		"https://gateway.example/v1": true,
		"HTTPS://gateway.example/v1": true,
		"127.0.0.1:8080/v1":          false,
		"gateway.example/v1":         false,
		"ftp://gateway.example/v1":   false,
		"http:///v1":                 false,
		"http://[::1":                false,
		" http://127.0.0.1/v1":       false,
		"http://127.0.0.1/v1\n":      false,
		"":                           false,
	} {
		if err := CheckBaseURL(raw); (err == nil) != ok {
			t.Errorf("CheckBaseURL(%q) = %v", raw, err)
		}
		if _, err := New(Config{BaseURL: raw, APIKey: "k"}, plan); (err == nil) != ok {
			t.Errorf("New with base URL %q: %v", raw, err)
		}
	}
}
