package upstream

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
)

func TestEveryFaultHasABehaviour(t *testing.T) {
	h := newHandler(Config{}, nil)
	if len(h.behaviours) != len(faults.All()) {
		t.Fatalf("%d behaviours for %d faults", len(h.behaviours), len(faults.All()))
	}
	for _, f := range faults.All() {
		if h.behaviours[f.Model] == nil {
			t.Errorf("%s (%s) has no behaviour", f.Key, f.Model)
		}
	}
}

func TestErrorFaults(t *testing.T) {
	s := start(t, Config{})
	for _, tc := range []struct {
		fault      faults.Fault
		status     int
		retryAfter string
		typ        string
	}{
		{faults.Status500, 500, "", "server_error"},
		{faults.Status503, 503, "1", "server_error"},
		{faults.Leak, 500, "", "server_error"},
		{faults.Status400, 400, "", "invalid_request_error"},
	} {
		t.Run(tc.fault.Key, func(t *testing.T) {
			resp, err := chatTo(t.Context(), s, tc.fault.Model, false)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != tc.status || resp.Header.Get("Retry-After") != tc.retryAfter {
				t.Fatalf("status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			var e struct {
				Error struct{ Message, Type string }
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" || e.Error.Type != tc.typ {
				t.Fatalf("not an OpenAI error of type %s: %s", tc.typ, body)
			}
			if canary := strings.Contains(e.Error.Message, faults.CanaryMessage); canary != (tc.fault == faults.Status400) {
				t.Fatalf("4xx canary present: %v: %s", canary, body)
			}
			leaks := strings.Contains(string(body), faults.CanarySecret) &&
				strings.Contains(string(body), faults.CanaryHost) && strings.Contains(string(body), "goroutine ")
			if leaks != (tc.fault == faults.Leak) {
				t.Fatalf("canaries present: %v: %s", leaks, body)
			}
		})
	}
}

func TestConnectionFaults(t *testing.T) {
	s := start(t, Config{})
	for _, tc := range []struct {
		fault faults.Fault
		is    error
	}{
		{faults.Reset, syscall.ECONNRESET},
		{faults.Close, io.EOF},
	} {
		t.Run(tc.fault.Key, func(t *testing.T) {
			resp, err := chatTo(t.Context(), s, tc.fault.Model, false)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("answered %d", resp.StatusCode)
			}
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	s := start(t, Config{})
	resp, err := chatTo(t.Context(), s, faults.Malformed.Model, false)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || json.Valid(body) {
		t.Fatalf("status %d, %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestUnverified(t *testing.T) {
	s := start(t, Config{})
	for _, stream := range []bool{false, true} {
		resp, err := chatTo(t.Context(), s, faults.Unverified.Model, stream)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		if resp.StatusCode != 200 || resp.Header.Get(faults.AttestationHeader) != "failed" {
			t.Fatalf("stream %v: status %d, attestation %q", stream, resp.StatusCode, resp.Header.Get(faults.AttestationHeader))
		}
		if !strings.Contains(string(body), "from "+faults.Unverified.Model) {
			t.Fatalf("stream %v: not a completion: %s", stream, body)
		}
	}
}

func TestStreamBreak(t *testing.T) {
	s := start(t, Config{})
	resp, err := chatTo(t.Context(), s, faults.StreamBreak.Model, true)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var events int
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "data: ") {
			events++
		}
	}
	if events != 1 || !errors.Is(lines.Err(), io.ErrUnexpectedEOF) {
		t.Fatalf("%d events, then %v", events, lines.Err())
	}

	// Without stream there is nothing to break.
	resp, err = chatTo(t.Context(), s, faults.StreamBreak.Model, false)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != 200 || !json.Valid(body) {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
}

// A short hold ends in a healthy answer: the faults are slow, not broken.
func TestHoldsEndInAnAnswer(t *testing.T) {
	s := start(t, Config{Hold: 50 * time.Millisecond})
	for _, f := range []faults.Fault{faults.Timeout, faults.SlowFirstByte} {
		for _, stream := range []bool{false, true} {
			begin := time.Now()
			resp, err := chatTo(t.Context(), s, f.Model, stream)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if elapsed := time.Since(begin); elapsed < 50*time.Millisecond {
				t.Fatalf("%s answered after %v, before the hold", f.Key, elapsed)
			}
			if resp.StatusCode != 200 || !strings.Contains(string(body), "from "+f.Model) {
				t.Fatalf("%s, stream %v: status %d: %s", f.Key, stream, resp.StatusCode, body)
			}
		}
	}
}

// Headers come at once; the body waits for the hold.
func TestSlowFirstByteSendsHeadersFirst(t *testing.T) {
	s := start(t, Config{Hold: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	resp, err := chatTo(ctx, s, faults.SlowFirstByte.Model, false)
	if err != nil {
		t.Fatalf("no headers before the hold: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// The handler is known to be holding once the headers are in; Close must
// end the hold, not wait it out.
func TestCloseCutsHoldsShort(t *testing.T) {
	s, err := Start(Config{Hold: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := chatTo(t.Context(), s, faults.SlowFirstByte.Model, false)
	if err != nil {
		_ = s.Close()
		t.Fatal(err)
	}
	defer resp.Body.Close()
	begin := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(begin); elapsed > cutShort {
		t.Fatalf("Close took %v", elapsed)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("a cut-short hold delivered a complete body")
	}
}

// A client that gives up ends the hold too. httptest's Close waits for
// every active handler, so it returning promptly is the proof.
func TestClientLeavingEndsHold(t *testing.T) {
	srv := httptest.NewServer(NewHandler(Config{Hold: time.Minute}))
	s := &Server{URL: srv.URL + "/v1"}
	for _, f := range []faults.Fault{faults.Timeout, faults.SlowFirstByte} {
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		resp, err := chatTo(ctx, s, f.Model, false)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: %v, want the client's deadline", f.Key, err)
		}
	}
	begin := time.Now()
	srv.Close()
	if elapsed := time.Since(begin); elapsed > cutShort {
		t.Fatalf("handlers outlived their clients by %v", elapsed)
	}
}

// cutShort bounds a hold that something ended: far short of the minute it would otherwise last, far past
// what a busy machine needs, so that it tells a hold cut short from one waited out, whatever the speed.
const cutShort = 20 * time.Second

func TestListen(t *testing.T) {
	s := start(t, Config{Listen: "127.0.0.1:0"})
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || strings.HasSuffix(s.URL, ":0/v1") {
		t.Fatalf("URL %q", s.URL)
	}
	if _, err := Start(Config{Listen: "256.0.0.1:1"}); err == nil {
		t.Fatal("listened on an impossible address")
	}
}
