package scenario

import (
	"encoding/base64"
	"sort"
)

// Credential names the Authorization header a scenario presents. Scenarios never hold a key: the valid one
// comes from the environment at run time.
type Credential string

// WrongKey is presented as "a wrong key". It is fixed, so that a repeated request (REQ-10) and a transcript
// are reproducible, and it looks like a key so a gateway cannot reject it on shape alone.
const WrongKey = "gwc-wrong-0f9e8d7c6b5a49382716f5e4d3c2b1a0"

// basicCredentials is "gwconform:not-a-key": a well-formed Basic value that carries no real secret.
var basicCredentials = base64.StdEncoding.EncodeToString([]byte("gwconform:not-a-key"))

// credentials maps each name to the header it yields for a given valid key; send=false omits the header.
var credentials = map[Credential]func(validKey string) (value string, send bool){
	"none":                 func(string) (string, bool) { return "", false },
	"valid":                func(k string) (string, bool) { return "Bearer " + k, true },
	"invalid":              func(string) (string, bool) { return "Bearer " + WrongKey, true },
	"basic":                func(string) (string, bool) { return "Basic " + basicCredentials, true },
	"bearer-without-token": func(string) (string, bool) { return "Bearer", true },
	"empty":                func(string) (string, bool) { return "", true },
	"key-without-scheme":   func(k string) (string, bool) { return k, true },
	"lowercase-bearer":     func(k string) (string, bool) { return "bearer " + k, true },
}

// Authorization is the header value to send, and whether to send one at all.
func (c Credential) Authorization(validKey string) (value string, send bool) {
	f, ok := credentials[c]
	if !ok {
		return "", false
	}
	return f(validKey)
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
