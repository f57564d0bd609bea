package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/suite"
)

// checkTarget refuses what cannot be a gateway base URL before a single request is made.
func checkTarget(raw string) error {
	if !strings.Contains(raw, "://") {
		return fmt.Errorf("no scheme: want an http:// or https:// URL, such as http://%s", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("want an http:// or https:// URL, such as http://127.0.0.1:8080/v1")
	}
	if u.Host == "" {
		return fmt.Errorf("the URL names no host")
	}
	return nil
}

func ensureWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".gwconform-write-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// preflight makes one short request so that an unreachable target is a clear configuration error (exit 2)
// rather than every spec failing. Any complete HTTP answer will do: judging it is the specs' job. A target
// that sends headers and then stalls, or whose TLS cannot be verified, cannot be tested either.
func preflight(cfg suite.Config) error {
	ctx, cancel := context.WithTimeout(context.Background(), min(cfg.Timeout, 5*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.BaseURL+"/models", nil)
	if err != nil {
		return err
	}
	for name, values := range cfg.Headers {
		req.Header[name] = values
	}
	resp, err := cfg.HTTP.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, exchange.BodyCap))
		resp.Body.Close()
	}
	if err == nil {
		return nil
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	msg := fmt.Sprintf("GET %s/models: %v", cfg.BaseURL, err)
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || strings.Contains(err.Error(), "certificate") {
		msg += " (trust its CA with --ca-cert FILE, or, knowing the risk, --insecure)"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		msg = fmt.Sprintf("GET %s/models: no complete answer within %s", cfg.BaseURL, min(cfg.Timeout, 5*time.Second))
	}
	return errors.New(msg)
}

// missingV1 suggests the base URL the user probably meant when it does not end in /v1.
func missingV1(target string) string {
	u, err := url.Parse(target)
	if err != nil || strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/v1") {
		return ""
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1"
	return u.String()
}
