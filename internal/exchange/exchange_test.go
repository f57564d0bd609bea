package exchange

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/redact"
)

func TestDoRecordsRequestAndResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"got":"`+r.Method+" "+r.URL.Path+" "+string(b)+`"}`)
	}))
	defer srv.Close()
	c := &Client{HTTP: srv.Client(), BaseURL: srv.URL + "/v1/", Timeout: time.Second}
	h := http.Header{"Authorization": {"Bearer gwc-the-key"}}
	ex := c.Do(context.Background(), "POST", "/chat/completions", h, Bytes("hi"))
	if ex.Err != nil {
		t.Fatal(ex.Err)
	}
	if ex.Response.Status != 401 || string(ex.Response.Body) != `{"got":"POST /v1/chat/completions hi"}` {
		t.Fatalf("recorded %d %s", ex.Response.Status, ex.Response.Body)
	}
	if ex.Request.URL != srv.URL+"/v1/chat/completions" || ex.Duration <= 0 {
		t.Fatalf("request %+v duration %v", ex.Request, ex.Duration)
	}
	tr := ex.Transcript(redact.New().Add("gwc-the-key", "$API_KEY"))
	for _, want := range []string{"> POST " + srv.URL + "/v1/chat/completions", "> Authorization: Bearer $API_KEY", "< HTTP/1.1 401 Unauthorized", `< {"got":`} {
		if !strings.Contains(tr, want) {
			t.Errorf("transcript lacks %q:\n%s", want, tr)
		}
	}
	if strings.Contains(tr, "gwc-the-key") {
		t.Errorf("transcript leaks the key:\n%s", tr)
	}
}

func TestDoCapsTheBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), BodyCap+100))
	}))
	defer srv.Close()
	ex := (&Client{HTTP: srv.Client(), BaseURL: srv.URL}).Do(context.Background(), "GET", "/", nil, nil)
	if ex.Err != nil {
		t.Fatal(ex.Err)
	}
	if !ex.Response.Truncated || len(ex.Response.Body) != BodyCap {
		t.Fatalf("truncated=%v len=%d", ex.Response.Truncated, len(ex.Response.Body))
	}
	if s := Shown(ex.Response.Body, ex.Response.BodySize); !strings.HasSuffix(s, "bytes in all)") || len(s) > ShownBody+40 {
		t.Fatalf("shown body not capped: %d bytes", len(s))
	}
}

func TestDoEndsAtTheDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ex := (&Client{HTTP: srv.Client(), BaseURL: srv.URL, Timeout: 50 * time.Millisecond}).Do(context.Background(), "GET", "/", nil, nil)
	if !errors.Is(ex.Err, context.DeadlineExceeded) || ex.Response != nil {
		t.Fatalf("want a timeout, got err=%v resp=%v", ex.Err, ex.Response)
	}
	if !strings.Contains(ex.Transcript(redact.New()), "! no response after") {
		t.Fatal("transcript does not say there was no response")
	}
}

func BenchmarkDo(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		io.WriteString(w, `{"error":{"message":"bad","type":"invalid_request_error","code":null,"param":null}}`)
	}))
	defer srv.Close()
	c := &Client{HTTP: srv.Client(), BaseURL: srv.URL, Timeout: time.Second}
	body := []byte(`{"model":"m"}`)
	b.ReportAllocs()
	for b.Loop() {
		if ex := c.Do(context.Background(), "POST", "/v1/chat/completions", nil, Bytes(body)); ex.Err != nil {
			b.Fatal(ex.Err)
		}
	}
}
