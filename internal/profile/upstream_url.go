package profile

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gwconform/gwconform/internal/witness"
)

// WitnessURL reads upstream.witness: the witness endpoint, or the upstream's bare base (http://host:port),
// to which the witness path is added.
func WitnessURL(raw string) (string, error) {
	u, err := UpstreamRoot(raw)
	if err != nil {
		return "", err
	}
	u.Path = witness.Path
	return u.String(), nil
}

// UpstreamRoot reads the address of `gwconform upstream` in any form a person copies from what it prints:
// its bare base (http://host:port), its base URL (http://host:port/v1) or its witness, each with or without
// a trailing slash. The root, with no path, is returned.
func UpstreamRoot(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL such as http://127.0.0.1:8081", raw)
	}
	switch strings.TrimRight(u.Path, "/") {
	case "", "/v1", strings.TrimSuffix(witness.Path, "/"):
	default:
		return nil, fmt.Errorf("%q is not the upstream's witness or base: want http://host:port, http://host:port/v1 or http://host:port%s", raw, witness.Path)
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = "", "", "", ""
	return u, nil
}
