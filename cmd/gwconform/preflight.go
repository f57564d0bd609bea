package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/suite"
)

// catalogueRefused is a complete answer to the pre-flight's GET /v1/models with an error status: the target
// speaks HTTP, but refuses the suite's own key, URL or headers, so no model can be chosen and every spec
// would judge a setup mistake. It is not a verdict unless a model is named (--model, model:).
type catalogueRefused struct {
	url    string
	status int
	keyVar string
}

func (e *catalogueRefused) Error() string {
	fix := "the gateway could not list its models: try again, or name a model with --model ID to test it anyway"
	switch e.status {
	case http.StatusNotFound:
		fix = "check the URL: --target must be the gateway's base URL, ending in /v1"
	case http.StatusUnauthorized, http.StatusForbidden:
		fix = checkTheKey(e.keyVar)
	case http.StatusBadRequest:
		fix = "a header the gateway needs to route requests may be missing: add it with --header 'Name: value'"
	}
	return fmt.Sprintf("the target cannot be tested as given: GET %s with the key in $%s answered %d, so no model can be chosen; %s", e.url, e.keyVar, e.status, fix)
}

// warnUnlistedModel says, once discovery has read the catalogue, that the model named for requests is not
// in it: a typo there makes every spec judge a wrong-model answer. The run goes on, as the person named it.
func warnUnlistedModel(w io.Writer, tg *suite.Target) {
	if id := tg.UnlistedModel(); id != "" {
		fmt.Fprintf(w, "gwconform: warning: the target's catalogue (GET /v1/models) does not list model %s; the run goes on with it, as named\n", id)
	}
}

// untestable judges the run's first exchange, discovery's GET /v1/models with the suite's key and headers,
// before anything else is sent. A target that does not answer completely (refused, reset, stalled,
// untrusted TLS) cannot be tested, nor can one whose catalogue answers an error status (*catalogueRefused;
// the caller decides, as a named model lets the run go on). A 200 is judged by the specs, whatever its body.
func untestable(ex *exchange.Exchange, cfg suite.Config) error {
	u := ex.Request.URL
	err := ex.Err
	switch {
	case err == nil && ex.Response.Status >= 400:
		return &catalogueRefused{url: u, status: ex.Response.Status, keyVar: cfg.APIKeyVar}
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the target does not answer: GET %s: no complete answer within %s", u, suite.DiscoveryWait(cfg.Timeout))
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return fmt.Errorf("the target does not answer: GET %s: %v%s", u, err, unreachableHint(err, cfg.BaseURL, cfg.HTTP))
}

// keyRefused judges the pre-flight's chat request (suite's ProbeKey): a 401 to the suite's own key, on the
// route every scenario uses, is a key the target does not take, whatever its public catalogue answered. It
// is a setup mistake, not a verdict. Any other answer, or none, is left to the specs.
func keyRefused(ex *exchange.Exchange, cfg suite.Config) error {
	if ex.Err != nil || ex.Response.Status != http.StatusUnauthorized {
		return nil
	}
	return fmt.Errorf("the target refuses the key in $%s: POST %s with it answered 401, although GET /v1/models answered; %s",
		cfg.APIKeyVar, ex.Request.URL, checkTheKey(cfg.APIKeyVar))
}

// checkTheKey is the fix for a refused key, wherever the run finds it refused.
func checkTheKey(keyVar string) string {
	return fmt.Sprintf("check the key in $%s (or, for a gateway behind another auth layer, give its header with --header 'Name: value')", keyVar)
}

// unreachableHint says what to check for the transport errors a person can fix from the command line.
func unreachableHint(err error, baseURL string, hc *http.Client) string {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var remote *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		host, port := "the host", "the port"
		if u, perr := url.Parse(baseURL); perr == nil {
			host, port = u.Hostname(), u.Port()
			if port == "" {
				port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
			}
		}
		return fmt.Sprintf(" (is the gateway running, and listening on %s port %s as --target says?)", host, port)
	case errors.As(err, &remote) && remote.Op == "remote error" && strings.Contains(remote.Err.Error(), "certificate"):
		// The target refused us, not we it: mTLS wants a client certificate it trusts.
		if clientCertGiven(hc) {
			return " (the target refused the client certificate: check --client-cert and --client-key)"
		}
		return " (the target wants a client certificate it trusts: give --client-cert FILE and --client-key FILE)"
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid):
		return " (trust its CA with --ca-cert FILE, or, knowing the risk, --insecure)"
	}
	return ""
}

func clientCertGiven(hc *http.Client) bool {
	t, ok := hc.Transport.(*http.Transport)
	return ok && t.TLSClientConfig != nil && len(t.TLSClientConfig.Certificates) > 0
}
