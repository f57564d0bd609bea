package scenario

import (
	"encoding/base64"
	"sort"

	"github.com/gwconform/gwconform/internal/profile"
)

// Credential names the Authorization header a scenario presents. Scenarios never hold a key: keys come from
// the environment at run time, by role.
type Credential string

// WrongKey is presented as "a wrong key". It is fixed, so that a repeated request (REQ-10) and a transcript
// are reproducible, and it looks like a key so a gateway cannot reject it on shape alone.
const WrongKey = "gwc-wrong-0f9e8d7c6b5a49382716f5e4d3c2b1a0"

// basicCredentials is "gwconform:not-a-key": a well-formed Basic value that carries no real secret.
var basicCredentials = base64.StdEncoding.EncodeToString([]byte("gwconform:not-a-key"))

type credential struct {
	role   string                  // the key it needs (a profile.Role...), or "" for none
	header func(key string) string // the Authorization value
	send   bool
}

func bearer(k string) string { return "Bearer " + k }
func fixed(v string) func(string) string {
	return func(string) string { return v }
}

var credentials = map[Credential]credential{
	"none":                 {send: false},
	"valid":                {role: profile.RoleValid, header: bearer, send: true},
	"invalid":              {header: fixed("Bearer " + WrongKey), send: true},
	"basic":                {header: fixed("Basic " + basicCredentials), send: true},
	"bearer-without-token": {header: fixed("Bearer"), send: true},
	"empty":                {header: fixed(""), send: true},
	"key-without-scheme":   {role: profile.RoleValid, header: func(k string) string { return k }, send: true},
	"basic-key":            {role: profile.RoleValid, header: func(k string) string { return "Basic " + k }, send: true},
	"token-key":            {role: profile.RoleValid, header: func(k string) string { return "Token " + k }, send: true},
	"lowercase-bearer":     {role: profile.RoleValid, header: func(k string) string { return "bearer " + k }, send: true},
	"zero-credit":          {role: profile.RoleZeroCredit, header: bearer, send: true},
	"revoked":              {role: profile.RoleRevoked, header: bearer, send: true},
	"rate-limited":         {role: profile.RoleRateLimited, header: bearer, send: true},
}

// Role is the key the credential needs ("" when it needs none).
func (c Credential) Role() string { return credentials[c].role }

// Authorization is the header value to send given the key of the credential's role, and whether to send an
// Authorization header at all.
func (c Credential) Authorization(key string) (value string, send bool) {
	cr, ok := credentials[c]
	if !ok || !cr.send {
		return "", false
	}
	return cr.header(key), true
}

// CredentialNames lists the credentials a scenario may name.
func CredentialNames() []string {
	names := make([]string, 0, len(credentials))
	for c := range credentials {
		names = append(names, string(c))
	}
	sort.Strings(names)
	return names
}

// Describe says how the credential is presented, for a spec's name: `with "Bearer <key>"`.
func (c Credential) Describe() string {
	switch c {
	case "valid":
		return `with "Bearer <key>"`
	case "invalid":
		return "with a wrong Bearer key"
	case "none":
		return "without Authorization"
	}
	return "with credential " + string(c)
}
