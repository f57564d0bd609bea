package exchange

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/testkit/hostile"
)

// Every hostile behaviour ends an exchange within its deadline, caps what it keeps, and leaves no goroutine
// behind once the client's idle connections are closed.
func TestHostileTargetsEndTheExchangeAndLeakNothing(t *testing.T) {
	for _, b := range hostile.All() {
		t.Run(string(b), func(t *testing.T) {
			before := runtime.NumGoroutine()
			srv := hostile.Start(b)
			transport := &http.Transport{}
			client := &Client{
				HTTP:    &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
				BaseURL: srv.URL,
				Timeout: 500 * time.Millisecond,
			}
			start := time.Now()
			ex := client.Do(context.Background(), http.MethodPost, "/chat/completions", http.Header{"Authorization": {"Bearer k"}}, Bytes(`{"model":"m"}`))
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("the exchange took %s with a 500ms deadline", took)
			}
			if ex.Response != nil && len(ex.Response.Body) > BodyCap {
				t.Errorf("kept %d bytes of body, cap %d", len(ex.Response.Body), BodyCap)
			}
			transport.CloseIdleConnections()
			srv.Close()
			// Connection goroutines end asynchronously after a close; nothing signals it, so poll, bounded.
			deadline := time.Now().Add(2 * time.Second)
			for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > before {
				buf := make([]byte, 1<<16)
				t.Errorf("%d goroutine(s) left behind:\n%s", n-before, buf[:runtime.Stack(buf, true)])
			}
		})
	}
}
