package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/redact"
	"github.com/gwconform/gwconform/internal/testkit/hostile"
)

// earlyRefuser answers 413 as soon as it has read a request's headers and closes the connection without
// reading the body, as gateways behind a body-size limit do. Closing with unread bytes resets the
// connection, so a client still writing the body may lose the answer.
func earlyRefuser(t *testing.T) string {
	t.Helper()
	return hostile.SizeLimiter(t, 0, hostile.Refusal413("Connection: close\r\n"), nil)
}

// With "Expect: 100-continue" an early refusal of an oversized body is always read: the body is not sent
// before the server asks for it, so there is nothing to reset (REQ-9's answer does not depend on timing).
func TestEarlyRefusalOfAnOversizedBodyIsRead(t *testing.T) {
	base := earlyRefuser(t)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = 2 * time.Second
	c := &Client{HTTP: &http.Client{Transport: tr}, BaseURL: base + "/v1", Timeout: 10 * time.Second}
	body := make([]byte, 16<<20)
	h := http.Header{"Content-Type": {"application/json"}, "Expect": {"100-continue"}}
	for i := range 5 {
		ex := c.Do(context.Background(), http.MethodPost, "/chat/completions", h, Bytes(body))
		if ex.Err != nil || ex.Response.Status != 413 {
			t.Fatalf("try %d: got %v %v, want the 413", i+1, ex.Err, ex.Response)
		}
	}
}

// selfSigned is a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	config, der := hostile.SelfSigned(t)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return config, pool
}

// earlyClient is a client whose transport reads early answers, with a small send buffer so that only a
// little of a large body fits in the kernel: the rest is still to write when the target resets.
func earlyClient(pool *x509.CertPool) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	dial := (&net.Dialer{}).DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err == nil {
			c.(*net.TCPConn).SetWriteBuffer(64 << 10)
		}
		return c, err
	}
	ReadEarlyAnswers(tr)
	return &Client{HTTP: &http.Client{Transport: tr}, BaseURL: "", Timeout: 20 * time.Second}
}

// A 413 sent while the body is still going out, then a reset, is the exchange's answer every time, over
// http and https, whether or not it says Connection: close, and the transcript says how much of the body
// went out before it.
func TestEarlyAnswerToAPartlySentBodyIsRead(t *testing.T) {
	config, pool := selfSigned(t)
	body := Bytes(make([]byte, 16<<20))
	for _, tc := range []struct {
		name   string
		answer string
		config *tls.Config
	}{
		{"http", hostile.Refusal413("Connection: close\r\n"), nil},
		{"https", hostile.Refusal413("Connection: close\r\n"), config},
		{"http without Connection: close", hostile.Refusal413(""), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := earlyClient(pool)
			c.BaseURL = hostile.SizeLimiter(t, hostile.LimitRead, tc.answer, tc.config)
			for i := range 10 {
				ex := c.Do(context.Background(), http.MethodPost, "/v1/chat/completions", http.Header{"Content-Type": {"application/json"}}, body)
				if ex.Err != nil || ex.Response.Status != 413 || string(ex.Response.Body) != hostile.TooLarge {
					t.Fatalf("try %d: got %v %+v, want the 413", i+1, ex.Err, ex.Response)
				}
				sent := body.Size() - ex.Response.BodyUnsent
				if ex.Response.BodyUnsent <= 0 || sent < hostile.LimitRead {
					t.Fatalf("try %d: %d bytes of %d recorded as sent; the target read 1 MiB, and the buffers hold far less than the rest", i+1, sent, body.Size())
				}
				if tr := ex.Transcript(redact.New()); !strings.Contains(tr, "= answered after ") || !strings.Contains(tr, " of the 16 MiB body was sent; the rest was not sent\n") {
					t.Fatalf("try %d: transcript does not say the body was cut short:\n%s", i+1, tr)
				}
			}
		})
	}
}

// A target that closes without answering is a drop, reported as the exchange's error.
func TestEarlyCloseWithoutAnAnswerIsADrop(t *testing.T) {
	c := earlyClient(nil)
	c.BaseURL = hostile.SizeLimiter(t, hostile.LimitRead, "", nil)
	ex := c.Do(context.Background(), http.MethodPost, "/v1/chat/completions", nil, Bytes(make([]byte, 16<<20)))
	if ex.Err == nil || ex.Response != nil {
		t.Fatalf("got err=%v response=%+v, want a drop", ex.Err, ex.Response)
	}
}

// With Expect: 100-continue a refusal comes before any of the body, and the transcript says so.
func TestEarlyRefusalBeforeTheBodyIsNoted(t *testing.T) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = 10 * time.Second
	ReadEarlyAnswers(tr)
	c := &Client{HTTP: &http.Client{Transport: tr}, BaseURL: earlyRefuser(t), Timeout: 20 * time.Second}
	ex := c.Do(context.Background(), http.MethodPost, "/v1/chat/completions", http.Header{"Expect": {"100-continue"}}, Bytes(make([]byte, 16<<20)))
	if ex.Err != nil || ex.Response.Status != 413 {
		t.Fatalf("got %v %+v, want the 413", ex.Err, ex.Response)
	}
	if ex.Response.BodyUnsent != 16<<20 {
		t.Fatalf("BodyUnsent %d, want all 16 MiB", ex.Response.BodyUnsent)
	}
	if tr := ex.Transcript(redact.New()); !strings.Contains(tr, "\n= answered before any of the 16 MiB body was sent\n") {
		t.Fatalf("transcript:\n%s", tr)
	}
}

// Requests that are answered in full share one connection as before.
func TestEarlyAnswersKeepConnectionsAlive(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	c := earlyClient(nil)
	c.BaseURL = srv.URL
	for i := range 2 {
		ex := c.Do(context.Background(), http.MethodPost, "/v1/chat/completions", nil, Bytes(`{"model":"m"}`))
		if ex.Err != nil || ex.Response.Status != 200 || ex.Response.BodyUnsent != 0 {
			t.Fatalf("request %d: %v %+v", i+1, ex.Err, ex.Response)
		}
		if strings.Contains(ex.Transcript(redact.New()), "= answered") {
			t.Fatalf("request %d: a whole body noted as cut short", i+1)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 1 {
		t.Fatalf("%d connections for two requests, want one", conns)
	}
}

// The answer note's sizes: a part is never rounded up to the whole.
func TestEarlyAnswerNote(t *testing.T) {
	for _, tc := range []struct {
		size, unsent int64
		want         string
	}{
		{16 << 20, 15 << 20, "= answered after 1.0 MiB of the 16 MiB body was sent; the rest was not sent\n"},
		{16 << 20, 1, "= answered after 15 MiB of the 16 MiB body was sent; the rest was not sent\n"},
		{3000, 1000, "= answered after 1.9 KiB of the 2.9 KiB body was sent; the rest was not sent\n"},
		{100, 99, "= answered after 1 byte of the 100 bytes body was sent; the rest was not sent\n"},
		{16 << 20, 16 << 20, "= answered before any of the 16 MiB body was sent\n"},
	} {
		ex := &Exchange{
			Request:  Request{Method: "POST", URL: "http://t/v1", BodySize: tc.size},
			Response: &Response{Status: 413, Proto: "HTTP/1.1", BodyUnsent: tc.unsent},
		}
		if tr := ex.Transcript(redact.New()); !strings.HasSuffix(tr, tc.want) {
			t.Errorf("size %d unsent %d: transcript ends\n%s\nwant %q", tc.size, tc.unsent, tr, tc.want)
		}
	}
}

// fakeConn is a connection whose reads and writes the test hands out one at a time.
type fakeConn struct {
	net.Conn
	reads    chan readResult
	writeErr error
}

type readResult struct {
	data string
	err  error
}

func (f *fakeConn) Read(p []byte) (int, error) {
	r := <-f.reads
	return copy(p, r.data), r.err
}
func (f *fakeConn) Write(p []byte) (int, error) { return 0, f.writeErr }
func (f *fakeConn) Close() error                { return nil }

func newFake() (*earlyConn, *fakeConn) {
	f := &fakeConn{reads: make(chan readResult, 4), writeErr: syscall.ECONNRESET}
	return &earlyConn{Conn: f, change: make(chan struct{})}, f
}

// writeAfterFailure writes on c from another goroutine and reports, once the write returns, whether c had
// been closed by then.
func writeAfterFailure(c *earlyConn) <-chan bool {
	done := make(chan bool, 1)
	go func() {
		c.Write([]byte("body"))
		c.mu.Lock()
		done <- c.closed
		c.mu.Unlock()
	}()
	return done
}

// A failed write waits for the reader only where one runs beside it: before the transport has the
// connection (a TLS handshake reads and writes on one goroutine) it fails at once.
func TestEarlyConnUnarmedWriteFailsAtOnce(t *testing.T) {
	c, f := newFake()
	f.reads <- readResult{data: "HTTP/1.1 413"}
	c.Read(make([]byte, 64))
	if _, err := c.Write([]byte("x")); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("write: %v", err)
	}
}

// Once the reader has bytes, the failed write returns only when the connection is closed, even if the
// reader's next read fails: the answer is the reader's to deliver first.
func TestEarlyConnHoldsTheWriteWhileTheReaderHasAnAnswer(t *testing.T) {
	c, f := newFake()
	c.arm()
	f.reads <- readResult{data: "HTTP/1.1 413"}
	f.reads <- readResult{err: syscall.ECONNRESET}
	c.Read(make([]byte, 64))
	done := writeAfterFailure(c)
	c.Read(make([]byte, 64))
	c.Close()
	if closed := <-done; !closed {
		t.Fatal("the failed write returned before the connection was closed")
	}
}

// A reader that ends without a byte means no answer is coming: the write's error is returned, a drop.
func TestEarlyConnReturnsTheWriteErrorWhenNoAnswerCame(t *testing.T) {
	c, f := newFake()
	f.reads <- readResult{data: "an earlier answer"}
	c.Read(make([]byte, 64))
	c.arm() // a new request: the earlier answer is not this one's
	done := writeAfterFailure(c)
	f.reads <- readResult{err: syscall.ECONNRESET}
	c.Read(make([]byte, 64))
	if closed := <-done; closed {
		t.Fatal("closed before the write returned")
	}
}
