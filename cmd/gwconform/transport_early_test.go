package main

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/redact"
	"github.com/gwconform/gwconform/internal/testkit/hostile"
)

// bodyLimiter is a target that reads a request's headers and 1 MiB of its body, then, with answer set,
// refuses it with a 413 and Connection: close, and closes the socket; without answer it closes and says
// nothing. The bytes it leaves unread make the close a reset.
func bodyLimiter(t *testing.T, answer bool, config *tls.Config) string {
	if !answer {
		return hostile.SizeLimiter(t, hostile.LimitRead, "", config)
	}
	return hostile.SizeLimiter(t, hostile.LimitRead, hostile.Refusal413("Connection: close\r\n"), config)
}

// productionClient is the run's client, made by the constructor a run uses.
func productionClient(t *testing.T, o transportOptions, base string) *exchange.Client {
	t.Helper()
	hc, err := o.httpClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hc.CloseIdleConnections)
	return &exchange.Client{HTTP: hc, BaseURL: base + "/v1", Timeout: 30 * time.Second}
}

// expectEarly413 sends the 16 MiB body, without Expect: 100-continue, tries times, and wants the 413
// every time.
func expectEarly413(t *testing.T, c *exchange.Client, tries int) {
	t.Helper()
	body := exchange.Bytes(make([]byte, 16<<20))
	h := http.Header{"Content-Type": {"application/json"}}
	for i := range tries {
		ex := c.Do(context.Background(), http.MethodPost, "/chat/completions", h, body)
		if ex.Err != nil || ex.Response.Status != http.StatusRequestEntityTooLarge || string(ex.Response.Body) != hostile.TooLarge {
			t.Fatalf("try %d: got %v %+v, want the 413", i+1, ex.Err, ex.Response)
		}
		// How much went out depends on the kernel's buffers, but never less than the target read.
		unsent := ex.Response.BodyUnsent
		if unsent < 0 || body.Size()-unsent < hostile.LimitRead {
			t.Fatalf("try %d: %d of %d bytes recorded as unsent, though the target read 1 MiB", i+1, unsent, body.Size())
		}
		if noted := strings.Contains(ex.Transcript(redact.New()), " of the 16 MiB body was sent; the rest was not sent\n"); noted != (unsent > 0) {
			t.Fatalf("try %d: %d bytes unsent, but the transcript says otherwise:\n%s", i+1, unsent, ex.Transcript(redact.New()))
		}
	}
}

// A gateway's body-size limit answers 413 while the body is still going out and resets the connection;
// the run's client reads the 413 every time, whatever the reset does to the rest of the write (REQ-9).
func TestTransportReadsAnEarly413(t *testing.T) {
	t.Parallel()
	expectEarly413(t, productionClient(t, transportOptions{}, bodyLimiter(t, true, nil)), 50)
}

// The same over TLS, with the target's CA given as --ca-cert.
func TestTransportReadsAnEarly413OverTLS(t *testing.T) {
	t.Parallel()
	config, caFile := selfSignedCA(t)
	expectEarly413(t, productionClient(t, transportOptions{caCert: caFile}, bodyLimiter(t, true, config)), 10)
}

// A target that closes without answering is a drop: the exchange's error, and no response.
func TestTransportReportsAnEarlyCloseAsADrop(t *testing.T) {
	t.Parallel()
	c := productionClient(t, transportOptions{}, bodyLimiter(t, false, nil))
	for i := range 5 {
		ex := c.Do(context.Background(), http.MethodPost, "/chat/completions", nil, exchange.Bytes(make([]byte, 16<<20)))
		if ex.Err == nil || ex.Response != nil {
			t.Fatalf("try %d: err=%v response=%+v, want a drop", i+1, ex.Err, ex.Response)
		}
	}
}

// Requests answered in full still share one kept-alive connection.
func TestTransportKeepsConnectionsAlive(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var remotes []string
	base := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		remotes = append(remotes, r.RemoteAddr)
		mu.Unlock()
		io.WriteString(w, `{"object":"list","data":[]}`)
	}))
	c := productionClient(t, transportOptions{}, base)
	for i := range 2 {
		ex := c.Do(context.Background(), http.MethodPost, "/chat/completions", nil, exchange.Bytes(`{"model":"m"}`))
		if ex.Err != nil || ex.Response.Status != http.StatusOK || ex.Response.BodyUnsent != 0 {
			t.Fatalf("request %d: %v %+v", i+1, ex.Err, ex.Response)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(remotes) != 2 || remotes[0] != remotes[1] {
		t.Fatalf("requests came from %v, want two over one connection", remotes)
	}
}

// selfSignedCA is a server certificate for 127.0.0.1 and the PEM file that trusts it.
func selfSignedCA(t *testing.T) (*tls.Config, string) {
	t.Helper()
	config, der := hostile.SelfSigned(t)
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return config, path
}

// A target that refuses the client's certificate after the handshake sends an alert, not an answer: the
// failed writes that follow (TLS's close_notify among them) are not held for an answer that cannot come, so
// every request ends with the refusal, never with the client's own deadline.
func TestARefusedClientCertificateIsAnErrorNotAHang(t *testing.T) {
	base, ca, cert, key := mTLSServer(t)
	for _, withCert := range []bool{false, true} {
		o := transportOptions{caCert: ca}
		if withCert {
			o.clientCert, o.clientKey = cert, key
		}
		hc, err := o.httpClient()
		if err != nil {
			t.Fatal(err)
		}
		c := &exchange.Client{HTTP: hc, BaseURL: base, Timeout: time.Minute}
		for i := range 100 {
			ex := c.Do(context.Background(), http.MethodGet, "/models", nil, nil)
			if ex.Err == nil || errors.Is(ex.Err, context.DeadlineExceeded) {
				t.Fatalf("client certificate %t, try %d: %v, want the target's refusal", withCert, i+1, ex.Err)
			}
		}
	}
}
