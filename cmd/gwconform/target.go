package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/gwconform/gwconform/suite"
)

// lookupEnv says whether a variable is set at all, which Main's getenv cannot: an empty $GWCONFORM_TARGET
// is a CI job with a missing secret, an absent one asks for the embedded reference. Main's callers all
// pass the process environment's getenv; a test driving Main in-process with another would replace this.
var lookupEnv = os.LookupEnv

// targetOf decides what a run tests: --target when given, else $GWCONFORM_TARGET when set, else the
// profile's target. Only the absence of all three ("") selects the embedded reference: an empty value
// given on purpose is an unset variable somewhere, and must not pass green against our own gateway.
func targetOf(flagGiven bool, flagValue string, getenv func(string) string, profileTarget string) (string, error) {
	if flagGiven {
		if strings.TrimSpace(flagValue) == "" {
			return "", errors.New(`--target is empty (an unset variable?): give the gateway's base URL, or leave --target out to test the embedded reference`)
		}
		return flagValue, nil
	}
	if v := getenv("GWCONFORM_TARGET"); v != "" {
		if strings.TrimSpace(v) == "" {
			return "", errors.New("$GWCONFORM_TARGET is blank: give it the gateway's base URL, or unset it to test the embedded reference")
		}
		return v, nil
	}
	if _, set := lookupEnv("GWCONFORM_TARGET"); set {
		return "", errors.New("$GWCONFORM_TARGET is set but empty (a missing secret?): give it the gateway's base URL, or unset it to test the embedded reference")
	}
	return profileTarget, nil
}

// checkTarget refuses what cannot be a gateway base URL before a single request is made. Whether it can is
// suite.CheckBaseURL's to say, so the run and the suite never disagree; this only adds the URL the person
// probably meant.
func checkTarget(raw string) error {
	err := suite.CheckBaseURL(raw)
	switch {
	case err == nil:
		return nil
	case strings.TrimSpace(raw) != raw:
		return fmt.Errorf("has a leading or trailing space: did you mean %s?", strings.TrimSpace(raw))
	case !strings.Contains(raw, "://"):
		return fmt.Errorf("no scheme: want an http:// or https:// URL; did you mean %s?", withScheme(raw))
	}
	return err
}

// withScheme guesses the scheme of a URL given without one: a gateway on this machine usually speaks plain
// HTTP, one elsewhere HTTPS.
func withScheme(raw string) string {
	host, _, _ := strings.Cut(raw, "/")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	scheme := "https://"
	if ip := net.ParseIP(strings.Trim(host, "[]")); host == "localhost" || ip != nil && ip.IsLoopback() {
		scheme = "http://"
	}
	u := scheme + raw
	if hint := missingV1(u); hint != "" {
		return hint
	}
	return u
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
