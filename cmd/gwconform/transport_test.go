package main

import (
	"encoding/pem"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gwconform/gwconform/internal/testkit/hostile"
)

// A target with a private certificate is tested once its CA is trusted, and with --insecure only after a
// loud warning; without either, the run stops with exit 2 (TestHostileTargetsEndInBoundedTime).
func TestTLSTrust(t *testing.T) {
	t.Parallel()
	srv := hostile.Start(hostile.UntrustedTLS)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	cert := srv.Certificate()
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"API_KEY=gwc-tls-test-key-0123456789"}
	if r := gwconform(t, env, "run", "--target", srv.URL, "--ca-cert", ca, "--timeout", "1s"); r.code != exitFailed {
		t.Errorf("--ca-cert: exit %d, want the run to reach the target (1)\n%s", r.code, r.stderr)
	}
	r := gwconform(t, env, "run", "--target", srv.URL, "--insecure", "--timeout", "1s")
	if r.code != exitFailed || !strings.Contains(r.stderr, "WARNING: --insecure") {
		t.Errorf("--insecure: exit %d\n%s", r.code, r.stderr)
	}
}

// --insecure warns that the certificate goes unverified only where there is one: against a plain-HTTP
// target (the embedded reference is one) it says, once, that it has no effect.
func TestInsecureWarnsOnlyOverTLS(t *testing.T) {
	t.Parallel()
	const tlsWarning, noEffect = "WARNING: --insecure", "--insecure has no effect on a plain-HTTP target"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--target", "https://127.0.0.1:9/v1"}, tlsWarning},
		{[]string{"--target", "http://127.0.0.1:9/v1"}, noEffect},
		{nil, noEffect},
	} {
		r := gwconform(t, []string{"API_KEY=k"}, append([]string{"run", "--dry-run", "--insecure"}, c.args...)...)
		unwanted := tlsWarning
		if c.want == tlsWarning {
			unwanted = noEffect
		}
		if r.code != exitConformant || strings.Count(r.stderr, c.want) != 1 || strings.Contains(r.stderr, unwanted) {
			t.Errorf("--insecure %v: exit %d, stderr %q; want %q once, and not %q", c.args, r.code, r.stderr, c.want, unwanted)
		}
	}
}

// HTTP_PROXY is honoured, and an extra --header reaches the gateway without ever being printed.
func TestProxyAndExtraHeader(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	real, _ := url.Parse(stack.BaseURL)
	var mu sync.Mutex
	var seen []string
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: real.Host})
	front := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("X-Gateway-Token"))
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	const token = "gwc-extra-header-canary-93c1"
	// gateway.invalid never resolves: only a proxy can reach it, and loopback targets bypass proxies.
	target := "http://gateway.invalid:" + real.Port() + "/v1"
	r := gwconform(t, []string{"API_KEY=" + stack.APIKey, "HTTP_PROXY=" + front}, "run", "--target", target, "--header", "X-Gateway-Token: "+token, "--label-filter", "auth")
	if r.code != exitConformant {
		t.Fatalf("exit %d\n%s%s", r.code, tail(r.stdout), r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || seen[0] != token {
		t.Fatalf("the proxy saw %d requests, header %v", len(seen), seen)
	}
	r.noSecret(t, token)
}
