package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/profile"
)

// transportOptions are the flags that shape how gwconform reaches a target: TLS trust, client
// certificates, and extra headers for gateways behind another auth layer. Proxies come from the standard
// HTTP_PROXY, HTTPS_PROXY and NO_PROXY variables.
type transportOptions struct {
	caCert     string
	insecure   bool
	clientCert string
	clientKey  string
	// headers are literal, shown as they are; secretHeaders are redacted everywhere the suite shows them.
	headers, secretHeaders multiFlag
}

// register defines the transport flags on fs: run and profile draft reach a target the same way, so a
// target that needs a private CA, a client certificate or a routing header can be drafted as it is run.
func (o *transportOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.caCert, "ca-cert", "", "PEM file of a CA to trust besides the system's, for a target with a private certificate")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify the target's TLS certificate (dangerous: the key goes to whoever answers)")
	fs.StringVar(&o.clientCert, "client-cert", "", "PEM client certificate for mTLS (with --client-key)")
	fs.StringVar(&o.clientKey, "client-key", "", "PEM private key of --client-cert")
	fs.Var(&o.headers, "header", "extra request header 'Name: value' sent with every request, for a gateway that routes on it (repeatable; the value is shown as it is: use --secret-header for a secret)")
	fs.Var(&o.secretHeaders, "secret-header", "extra request header 'Name: value' whose value is a secret, for a gateway behind another auth layer (repeatable; shown as $GWC_HEADER_NAME everywhere)")
}

// maxHeaderBytes caps a response's headers: a hostile target cannot make the client buffer without end.
const maxHeaderBytes = 64 << 10

// httpClient builds the one client every request of a run goes through. It never follows a redirect, so
// the key is never sent to an origin other than the target.
func (o transportOptions) httpClient() (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.caCert != "" {
		pem, err := os.ReadFile(o.caCert)
		if err != nil {
			return nil, fmt.Errorf("--ca-cert: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-cert %s: no PEM certificate in it", o.caCert)
		}
		tlsConfig.RootCAs = pool
	}
	if (o.clientCert == "") != (o.clientKey == "") {
		return nil, errors.New("--client-cert and --client-key go together")
	}
	if o.clientCert != "" {
		pair, err := tls.LoadX509KeyPair(o.clientCert, o.clientKey)
		if err != nil {
			return nil, fmt.Errorf("--client-cert/--client-key: %v", err)
		}
		tlsConfig.Certificates = []tls.Certificate{pair}
	}
	tlsConfig.InsecureSkipVerify = o.insecure
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = http.ProxyFromEnvironment
	transport.TLSClientConfig = tlsConfig
	transport.MaxResponseHeaderBytes = maxHeaderBytes
	transport.TLSHandshakeTimeout = 10 * time.Second
	// No Accept-Encoding the transcript does not show: the request recorded is the request sent, and the
	// curl line that reproduces it sends the same. A target may code a body all the same; exchange.Client
	// decodes gzip and deflate.
	transport.DisableCompression = true
	// A gateway that refuses the 16 MiB body by its size answers before reading it all and resets the
	// connection: the answer is read, not lost to the reset (REQ-9).
	exchange.ReadEarlyAnswers(transport)
	return &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// printInsecure says what --insecure means against the base URL the run tests, before anything is sent:
// loudly, where a certificate goes unverified; against a plain-HTTP target, which has no certificate to
// verify, that the flag changes nothing.
func printInsecure(w io.Writer, insecure bool, baseURL string) {
	switch u, err := url.Parse(baseURL); {
	case !insecure || err != nil:
	case u.Scheme == "https":
		fmt.Fprintln(w, "gwconform: WARNING: --insecure: the target's TLS certificate is not verified, so the key goes to whoever answers")
	default:
		fmt.Fprintf(w, "gwconform: warning: --insecure has no effect on a plain-HTTP target (%s): it has no certificate to verify\n", baseURL)
	}
}

// extraHeaders parses the --header and --secret-header values ("Name: value"), and says which names are
// secrets.
func (o transportOptions) extraHeaders() (http.Header, map[string]bool, error) {
	h, secret := http.Header{}, map[string]bool{}
	lit, err := parseHeaders("--header", o.headers)
	if err != nil {
		return nil, nil, err
	}
	sec, err := parseHeaders("--secret-header", o.secretHeaders)
	if err != nil {
		return nil, nil, err
	}
	for name, values := range lit {
		h[name] = values
	}
	for name, values := range sec {
		h[name], secret[name] = values, true
	}
	return h, secret, nil
}

func parseHeaders(flagName string, raws []string) (http.Header, error) {
	h := http.Header{}
	for _, raw := range raws {
		name, rawValue, ok := strings.Cut(raw, ":")
		name, value := strings.TrimSpace(name), strings.TrimSpace(rawValue)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
			return nil, fmt.Errorf("%s %q: want 'Name: value'", flagName, redactHeaderValue(raw))
		}
		if c := profile.ControlCharacter(rawValue); c != "" {
			return nil, fmt.Errorf("%s %q: its value holds %s, which no HTTP header can carry: strip it", flagName, redactHeaderValue(raw), c)
		}
		if value == "" {
			// An empty value is an unset variable, not a header any gateway routes on.
			return nil, fmt.Errorf("%s %q has an empty value (an unset variable?): want 'Name: value'", flagName, name+":")
		}
		if strings.EqualFold(name, "Authorization") {
			return nil, fmt.Errorf("%s cannot set Authorization: the suite sends its own, with the key from the variable --api-key-env names (API_KEY by default)", flagName)
		}
		h.Add(name, value)
	}
	return h, nil
}

// redactHeaderValue keeps a malformed --header's name for the error message, never its value.
func redactHeaderValue(raw string) string {
	if name, _, ok := strings.Cut(raw, ":"); ok {
		return name + ": …"
	}
	if len(raw) > 12 {
		return raw[:4] + "…"
	}
	return raw
}
