package upstream

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/witness"
)

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func send(t *testing.T, method, url, key, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// chatTo asks for one completion from model; the caller reads and closes the body.
func chatTo(ctx context.Context, s *Server, model string, stream bool) (*http.Response, error) {
	body := `{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]`
	if stream {
		body += `,"stream":true`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/chat/completions", strings.NewReader(body+"}"))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	// A fresh connection each time: a fault that kills one must not be
	// mistaken for a stale pooled connection, nor spoil the next request.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return client.Do(req)
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return data
}

// ask is the witness's answer about nonce; it fails the test on anything
// but a 200 with a Sighting.
func ask(t *testing.T, s *Server, nonce string) witness.Sighting {
	t.Helper()
	resp, body := send(t, http.MethodGet, s.WitnessURL+nonce, "", "")
	var got witness.Sighting
	if err := json.Unmarshal(body, &got); resp.StatusCode != http.StatusOK || err != nil || got.Nonce != nonce {
		t.Fatalf("witness for %s: status %d: %s", nonce, resp.StatusCode, body)
	}
	return got
}

// askSettled is the witness's answer about nonce once no request carrying it is in flight.
// A client holds the whole answer, or its reset, before the upstream's handler has returned
// and recorded it, so a test that reads what an answer was asks this way, as the suite does.
func askSettled(t *testing.T, s *Server, nonce string) witness.Sighting {
	t.Helper()
	resp, body := send(t, http.MethodGet, s.WitnessURL+nonce+"?"+witness.SettledQuery, "", "")
	var got witness.Sighting
	if err := json.Unmarshal(body, &got); resp.StatusCode != http.StatusOK || err != nil || got.Nonce != nonce {
		t.Fatalf("witness for %s: status %d: %s", nonce, resp.StatusCode, body)
	}
	return got
}

// post sends body to the chat route with header as the nonce header (none
// when empty), on a fresh connection, and reads the answer if there is one.
func post(ctx context.Context, s *Server, header, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/chat/completions", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	if header != "" {
		req.Header.Set(witness.NonceHeader, header)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}
