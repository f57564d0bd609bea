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

// targetEnv is the environment variable that names the target when --target does not.
const targetEnv = "GWCONFORM_TARGET"

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
	if v := getenv(targetEnv); v != "" {
		if strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("$%s is blank: give it the gateway's base URL, or unset it to test the embedded reference", targetEnv)
		}
		return v, nil
	}
	if _, set := lookupEnv(targetEnv); set {
		return "", fmt.Errorf("$%s is set but empty (a missing secret?): give it the gateway's base URL, or unset it to test the embedded reference", targetEnv)
	}
	return profileTarget, nil
}

// draftTargetOf decides what profile draft asks: --target when given, else $GWCONFORM_TARGET. There is no
// reference to fall back on: a draft of gwconform's own gateway is serve --profile-out's.
func draftTargetOf(flagGiven bool, flagValue string, getenv func(string) string) (string, error) {
	v := flagValue
	if !flagGiven {
		v = getenv(targetEnv)
	}
	switch {
	case flagGiven && strings.TrimSpace(v) == "":
		return "", errors.New("--target is empty (an unset variable?): give the gateway's base URL, ending in /v1")
	case strings.TrimSpace(v) == "":
		return "", fmt.Errorf("a target is needed: give --target URL, or set $%s to the gateway's base URL", targetEnv)
	}
	return v, nil
}

// checkTarget refuses what cannot be a gateway base URL before a single request is made. Whether it can is
// suite.CheckBaseURL's to say, so the run and the suite never disagree; this only adds the URL the person
// probably meant, when there is one: a guess that is itself no base URL is never offered.
func checkTarget(raw string) error {
	err := suite.CheckBaseURL(raw)
	if err == nil {
		return nil
	}
	trimmed := strings.TrimSpace(raw)
	hasScheme := strings.Contains(trimmed, "://")
	meant := trimmed
	if !hasScheme {
		meant = withScheme(trimmed)
	}
	meantIsURL := suite.CheckBaseURL(meant) == nil
	switch {
	case meantIsURL && trimmed != raw:
		return fmt.Errorf("has a leading or trailing space: did you mean %s?", meant)
	case meantIsURL:
		return fmt.Errorf("no scheme: want an http:// or https:// URL; did you mean %s?", meant)
	case !hasScheme:
		return errors.New("is not a URL: want the gateway's base URL, such as https://gateway.example/v1")
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

// basePathEnd is how an OpenAI-compatible base URL's path ends; the endpoints lie under it.
const basePathEnd = "/v1"

// missingV1 suggests the base URL the user probably meant when it does not end in /v1: the URL with /v1
// added, or, for an endpoint's URL given in its place (.../v1/chat/completions), the base it lies under.
func missingV1(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	path := strings.TrimSuffix(u.Path, "/")
	if strings.HasSuffix(path, basePathEnd) {
		return ""
	}
	if i := strings.LastIndex(path, basePathEnd+"/"); i >= 0 {
		u.Path = path[:i+len(basePathEnd)]
	} else {
		u.Path = path + basePathEnd
	}
	u.RawPath = ""
	return u.String()
}
