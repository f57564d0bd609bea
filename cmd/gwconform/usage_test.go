package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwconform/gwconform/suite"
)

// Bad input, and a target that cannot be tested as given, get one line on stderr starting "gwconform:"
// and exit 2, before any verdict. The line names the fix; it never holds a key.
func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	t.Parallel()
	closed := closedPort(t)
	_, closedPortNumber, _ := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(closed, "http://"), "/v1"))
	readonly := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(readonly, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	const secret = "gwc-usage-test-key-0123456789"
	key := "API_KEY=" + secret
	mtls, mtlsCA, strangerCert, strangerKey := mTLSServer(t)
	held, started := holdingGateway(t)
	slow, _ := holdingGateway(t)
	cases := []struct {
		name    string
		env     []string
		args    []string
		want    string
		notWant string          // must not be in the first line
		signal  <-chan struct{} // when closed, the run is sent Ctrl-C
	}{
		{name: "no command", args: nil, want: "no command given: want run, serve, list, profile, upstream, version or help"},
		{name: "unknown command", args: []string{"frobnicate"}, want: `unknown command "frobnicate"`},
		{name: "unknown flag", args: []string{"run", "--targt", "x"}, want: "flag provided but not defined: -targt"},
		{name: "stray argument", args: []string{"run", "http://127.0.0.1:1/v1"}, want: "unexpected argument", notWant: "empty value"},
		{name: "stray argument after an empty value", args: []string{"run", "--target", "", "http://127.0.0.1:1/v1"}, want: `unexpected argument "http://127.0.0.1:1/v1" after --target with an empty value: that flag probably took its value from an unset variable`},
		{name: "stray argument after an empty value with =", args: []string{"run", "--api-key-env=", "API_KEY"}, want: "after --api-key-env with an empty value"},
		{name: "target given empty", env: []string{key}, args: []string{"run", "--target", ""}, want: "--target is empty (an unset variable?)"},
		{name: "target given empty with a target in the environment", env: []string{key, "GWCONFORM_TARGET=" + closed}, args: []string{"run", "--target="}, want: "--target is empty"},
		{name: "GWCONFORM_TARGET set but empty", env: []string{key, "GWCONFORM_TARGET="}, args: []string{"run"}, want: "$GWCONFORM_TARGET is set but empty"},
		{name: "GWCONFORM_TARGET blank", env: []string{key, "GWCONFORM_TARGET= "}, args: []string{"run"}, want: "$GWCONFORM_TARGET is blank"},
		{name: "target without scheme", env: []string{key}, args: []string{"run", "--target", "127.0.0.1:8080/v1"}, want: "no scheme: want an http:// or https:// URL; did you mean http://127.0.0.1:8080/v1?"},
		{name: "remote target without scheme nor /v1", env: []string{key}, args: []string{"run", "--target", "gateway.example"}, want: "did you mean https://gateway.example/v1?"},
		{name: "target with a trailing space", env: []string{key}, args: []string{"run", "--target", "http://127.0.0.1:8080/v1 "}, want: "has a leading or trailing space: did you mean http://127.0.0.1:8080/v1?"},
		{name: "target of words", env: []string{key}, args: []string{"run", "--target", "not a url"}, want: `--target "not a url": is not a URL: want the gateway's base URL`, notWant: "did you mean"},
		{name: "target of words with spaces around", env: []string{key}, args: []string{"run", "--target", " not a url "}, want: "is not a URL", notWant: "did you mean"},
		{name: "draft without a target", env: []string{key}, args: []string{"profile", "draft"}, want: "profile draft: a target is needed: give --target URL, or set $GWCONFORM_TARGET to the gateway's base URL", notWant: "://"},
		{name: "draft target given empty", env: []string{key, "GWCONFORM_TARGET=" + closed}, args: []string{"profile", "draft", "--target", ""}, want: "profile draft: --target is empty (an unset variable?)", notWant: "embedded reference"},
		{name: "draft GWCONFORM_TARGET blank", env: []string{key, "GWCONFORM_TARGET= "}, args: []string{"profile", "draft"}, want: "a target is needed", notWant: "://"},
		{name: "draft target of words", env: []string{key}, args: []string{"profile", "draft", "--target", "not a url"}, want: "is not a URL", notWant: "did you mean"},
		{name: "target not a URL", env: []string{key}, args: []string{"run", "--target", "http://[::1"}, want: "not a URL"},
		{name: "key variable unset", args: []string{"run", "--target", "http://127.0.0.1:1/v1"}, want: "$API_KEY is empty"},
		{name: "named key variable empty", env: []string{"MY_KEY="}, args: []string{"run", "--target", "http://127.0.0.1:1/v1", "--api-key-env", "MY_KEY"}, want: "$MY_KEY is empty"},
		{name: "key with a trailing newline", env: []string{key + "\n"}, args: []string{"run", "--target", closed}, want: `run: $API_KEY holds a newline, which no HTTP header can carry: strip it, e.g. export API_KEY="$(printf %s "$API_KEY" | tr -d '[:cntrl:]')"`},
		{name: "named key with a carriage return", env: []string{"MY_KEY=" + secret + "\r"}, args: []string{"run", "--target", closed, "--api-key-env", "MY_KEY"}, want: "$MY_KEY holds a carriage return"},
		{name: "key with a control character", env: []string{"API_KEY=gwc-usage-test-key\x01abc"}, args: []string{"run", "--target", closed}, want: "$API_KEY holds a control character (U+0001)"},
		{name: "profile key with a newline", env: []string{key, "GWC_REVOKED=" + secret + "\n"}, args: []string{"run", "--target", closed, "--profile", writeFile(t, "keys: {revoked: GWC_REVOKED}")}, want: "keys.revoked: $GWC_REVOKED holds a newline, which no HTTP header can carry: strip it"},
		{name: "profile secret header with a newline", env: []string{key, "GWC_TENANT=" + secret + "\r\n"}, args: []string{"run", "--target", closed, "--profile", writeFile(t, "headers: {X-Tenant: {env: GWC_TENANT}}")}, want: "headers.X-Tenant: $GWC_TENANT holds a carriage return"},
		{name: "secret header with a newline inside", env: []string{key}, args: []string{"run", "--target", closed, "--secret-header", "X-Token: " + secret + "\nX-Other: 1"}, want: `--secret-header "X-Token: …": its value holds a newline, which no HTTP header can carry: strip it`},
		{name: "secret header with a control character", env: []string{key}, args: []string{"run", "--target", closed, "--secret-header", "X-Token: " + secret + "\x7f"}, want: `--secret-header "X-Token: …": its value holds a control character (U+007F)`},
		{name: "draft key with a trailing newline", env: []string{key + "\n"}, args: []string{"profile", "draft", "--target", closed}, want: "profile draft: $API_KEY holds a newline, which no HTTP header can carry"},
		{name: "api-key-env empty", env: []string{key}, args: []string{"run", "--target", closed, "--api-key-env", ""}, want: "--api-key-env is empty: give the name of the variable"},
		{name: "api-key-env with $", env: []string{key}, args: []string{"run", "--target", closed, "--api-key-env", "$API_KEY"}, want: "--api-key-env $API_KEY: give the variable's name without $, e.g. --api-key-env API_KEY"},
		{name: "api-key-env holding the key itself", env: []string{key}, args: []string{"run", "--target", closed, "--api-key-env", secret}, want: "--api-key-env must be a variable's name"},
		{name: "connection refused", env: []string{key}, args: []string{"run", "--target", closed}, want: "the target does not answer: GET " + closed + "/models: dial tcp 127.0.0.1:" + closedPortNumber + ": connect: connection refused (is the gateway running, and listening on 127.0.0.1 port " + closedPortNumber + " as --target says?)"},
		{name: "catalogue 404", env: []string{key}, args: []string{"run", "--target", catalogueAnswering(t, 404)}, want: "answered 404, so no model can be chosen; check the URL: --target must be the gateway's base URL, ending in /v1"},
		{name: "catalogue 401", env: []string{key}, args: []string{"run", "--target", catalogueAnswering(t, 401)}, want: "answered 401, so no model can be chosen; check the key in $API_KEY (or, for a gateway behind another auth layer, give its header with --header 'Name: value')"},
		{name: "catalogue 403 names the key's variable", env: []string{"MY_KEY=" + secret}, args: []string{"run", "--target", catalogueAnswering(t, 403), "--api-key-env", "MY_KEY"}, want: "with the key in $MY_KEY answered 403, so no model can be chosen; check the key in $MY_KEY"},
		{name: "catalogue 400", env: []string{key}, args: []string{"run", "--target", catalogueAnswering(t, 400)}, want: "answered 400, so no model can be chosen; a header the gateway needs to route requests may be missing: add it with --header 'Name: value'"},
		{name: "catalogue 503", env: []string{key}, args: []string{"run", "--target", catalogueAnswering(t, 503)}, want: "answered 503, so no model can be chosen; the gateway could not list its models: try again, or name a model with --model ID"},
		{name: "mTLS without a client certificate", env: []string{key}, args: []string{"run", "--target", mtls, "--ca-cert", mtlsCA}, want: "give --client-cert FILE and --client-key FILE", notWant: "--ca-cert"},
		{name: "mTLS with a client certificate it does not trust", env: []string{key}, args: []string{"run", "--target", mtls, "--ca-cert", mtlsCA, "--client-cert", strangerCert, "--client-key", strangerKey}, want: "the target refused the client certificate: check --client-cert and --client-key", notWant: "--ca-cert"},
		{name: "invalid label filter", env: []string{key}, args: []string{"run", "--target", closed, "--label-filter", "auth &&"}, want: "not a valid Ginkgo label filter"},
		{name: "label filter selecting no spec", env: []string{key}, args: []string{"run", "--target", closed, "--label-filter", "req:NO-SUCH-1"}, want: `--label-filter "req:NO-SUCH-1" selects no spec`},
		{name: "bad fail-on", args: []string{"run", "--fail-on", "may"}, want: "--fail-on"},
		{name: "bad timeout", args: []string{"run", "--timeout", "-1s"}, want: "--timeout must be positive"},
		{name: "timeout without a unit", args: []string{"run", "--timeout", "1"}, want: "--timeout 1 has no unit: add one, e.g. 1s or 1ms"},
		{name: "timeout a number no unit makes a duration of", args: []string{"run", "--timeout", "1e3"}, want: `--timeout "1e3" is not a duration: want a number with a unit`, notWant: "1e3s"},
		{name: "run timeout not a duration", args: []string{"run", "--run-timeout", "soon"}, want: `--run-timeout "soon" is not a duration: want a number with a unit`},
		{name: "bad run timeout", args: []string{"run", "--run-timeout", "0s"}, want: "--run-timeout must be positive"},
		{name: "no concurrency", args: []string{"run", "--concurrency", "0"}, want: "--concurrency must be between 1 and 64, got 0"},
		{name: "a load test", args: []string{"run", "--concurrency", "500"}, want: "--concurrency must be between 1 and 64, got 500"},
		{name: "report dir is a file", env: []string{key}, args: []string{"run", "--target", closed, "--report-dir", filepath.Join(readonly, "sub")}, want: "cannot be written"},
		{name: "unknown defect", args: []string{"serve", "--defect", "no-such-defect"}, want: "no-such-defect"},
		{name: "profile missing", env: []string{key}, args: []string{"run", "--target", closed, "--profile", filepath.Join(t.TempDir(), "nope.yaml")}, want: "no such file"},
		{name: "profile invalid", env: []string{key}, args: []string{"run", "--target", closed, "--profile", writeFile(t, "keys: {admin: X}")}, want: "keys.admin is not a role"},
		{name: "profile not YAML", env: []string{key}, args: []string{"run", "--target", closed, "--profile", writeFile(t, "keys: [")}, want: "--profile"},
		{name: "profile field typo", env: []string{key}, args: []string{"run", "--target", closed, "--profile", writeFile(t, "target: http://127.0.0.1:1/v1\nupstream: {faults: true, timout: 2s}")}, want: "line 2: unknown field timout: did you mean timeout?"},
		{name: "profile fault model is a trigger", env: []string{key}, args: []string{"run", "--target", closed, "--profile", writeFile(t, "upstream: {faults: true}\ntriggers: {server_error: {model: fault/status-500}}")}, want: "model fault/status-500 is both upstream fault status_500 and triggers.server_error"},
		{name: "profile key unset", env: []string{key}, args: []string{"run", "--target", closed, "--profile", writeFile(t, "keys: {revoked: GWC_UNSET_KEY}")}, want: "$GWC_UNSET_KEY, which is empty"},
		{name: "profile key unset and selected", env: []string{key}, args: []string{"run", "--target", closed, "--label-filter", "scenario:auth-revoked-key", "--profile", writeFile(t, "keys: {revoked: GWC_UNSET_KEY}")}, want: "$GWC_UNSET_KEY, which is empty"},
		{name: "profile empty", env: []string{key}, args: []string{"run", "--target", closed, "--profile", writeFile(t, "# target: http://127.0.0.1:1/v1\n\n")}, want: "the profile is empty"},
		{name: "profile without target", args: []string{"run", "--profile", writeFile(t, "keys: {}")}, want: "names none"},
		{name: "model given empty", env: []string{key}, args: []string{"run", "--target", closed, "--model", ""}, want: "--model is empty"},
		{name: "ca-cert missing", env: []string{key}, args: []string{"run", "--target", closed, "--ca-cert", filepath.Join(t.TempDir(), "ca.pem")}, want: "--ca-cert"},
		{name: "ca-cert not PEM", env: []string{key}, args: []string{"run", "--target", closed, "--ca-cert", writeFile(t, "not a certificate")}, want: "no PEM certificate"},
		{name: "client cert without key", env: []string{key}, args: []string{"run", "--target", closed, "--client-cert", writeFile(t, "x")}, want: "go together"},
		{name: "client cert unreadable", env: []string{key}, args: []string{"run", "--target", closed, "--client-cert", writeFile(t, "x"), "--client-key", writeFile(t, "y")}, want: "--client-cert/--client-key"},
		{name: "header without colon", env: []string{key}, args: []string{"run", "--target", closed, "--header", "X-Token " + secret}, want: "want 'Name: value'"},
		{name: "header with an empty value", env: []string{key}, args: []string{"run", "--target", closed, "--header", "X-Route: "}, want: `--header "X-Route:" has an empty value (an unset variable?)`},
		{name: "header sets Authorization", env: []string{key}, args: []string{"run", "--target", closed, "--header", "Authorization: Bearer x"}, want: "cannot set Authorization"},
		{name: "run timeout", env: []string{key}, args: []string{"run", "--target", slow, "--label-filter", "scenario:req-empty-body", "--timeout", "1m", "--run-timeout", "1s"}, want: "run: stopped at its --run-timeout of 1s, so there is no verdict"},
		{name: "Ctrl-C during the specs", env: []string{key}, args: []string{"run", "--target", held, "--label-filter", "scenario:req-truncated-json", "--timeout", "1m"}, want: "run: interrupted: the run stopped before its end, so there is no verdict", signal: started},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var r result
			if c.signal != nil {
				r = gwconformInterrupted(t, c.env, c.signal, c.args...)
			} else {
				r = gwconform(t, c.env, c.args...)
			}
			if r.code != exitUsage {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, tail(r.stdout), r.stderr)
			}
			first, _, _ := strings.Cut(r.stderr, "\n")
			if !strings.HasPrefix(first, "gwconform: ") || !strings.Contains(first, c.want) {
				t.Fatalf("first stderr line %q lacks %q", first, c.want)
			}
			if c.notWant != "" && strings.Contains(first, c.notWant) {
				t.Fatalf("first stderr line %q names %q", first, c.notWant)
			}
			if strings.Contains(r.stdout+r.stderr, "gwc-usage-test-key") {
				t.Fatal("the key was printed")
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Fatalf("crashed:\n%s", r.stderr)
			}
		})
	}
}

// catalogueAnswering is a gateway that answers every request, GET /v1/models included, with status and the
// envelope: the setup mistakes (a wrong URL, a refused key, a missing routing header) as a target shows them.
func catalogueAnswering(t *testing.T, status int) string {
	t.Helper()
	return startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, `{"error":{"message":"no","type":"invalid_request_error","code":null,"param":null}}`)
	})) + "/v1"
}

// mTLSServer is a TLS target that requires a client certificate signed by no CA at all, a PEM file of its
// own certificate, so the server is trusted and only the client is in question, and a client certificate
// and key it does not trust (another test server's).
func mTLSServer(t *testing.T) (baseURL, caFile, strangerCert, strangerKey string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: x509.NewCertPool()}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refusing the client is the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	caFile, strangerCert, strangerKey = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	stranger := srv.TLS.Certificates[0]
	key, err := x509.MarshalPKCS8PrivateKey(stranger.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	for path, block := range map[string]*pem.Block{
		caFile:       {Type: "CERTIFICATE", Bytes: srv.Certificate().Raw},
		strangerCert: {Type: "CERTIFICATE", Bytes: stranger.Certificate[0]},
		strangerKey:  {Type: "PRIVATE KEY", Bytes: key},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return srv.URL + "/v1", caFile, strangerCert, strangerKey
}

// holdingGateway lists a model, then holds every other request until its client gives up; started is
// closed when the first such request arrives, so a test knows the specs are running.
func holdingGateway(t *testing.T) (baseURL string, started <-chan struct{}) {
	t.Helper()
	ch := make(chan struct{})
	var once sync.Once
	return startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"data":[{"id":"held-model"}]}`)
			return
		}
		// The pre-flight's question about the key is answered: the requests held are the scenarios'.
		if b, _ := io.ReadAll(r.Body); bytes.Contains(b, []byte(suite.UnknownModel)) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"no such model","type":"invalid_request_error","code":"model_not_found","param":"model"}}`)
			return
		}
		once.Do(func() { close(ch) })
		<-r.Context().Done()
	})) + "/v1", ch
}

// gwconformInterrupted runs the command like gwconform does, and sends it Ctrl-C once started is closed.
func gwconformInterrupted(t *testing.T, env []string, started <-chan struct{}, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, out, errb := child(t, ctx, env, args)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-ctx.Done():
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	return finished(t, ctx, cmd, cmd.Wait(), out, errb)
}
