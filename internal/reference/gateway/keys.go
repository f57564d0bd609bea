package gateway

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Key is an API key the gateway knows.
type Key struct {
	Secret  string
	Credits int64
	Name    string
	// Revoked keys are recognised, and refused as revoked rather than as
	// unknown, so that their holder learns to replace them.
	Revoked bool
	// RateLimit overrides Config.RateLimit for this key; nil keeps it.
	RateLimit *RateLimit
}

// account is a key's mutable state. It is found by the sha256 of the
// presented secret: the map lookup then reveals nothing about how close a
// guess came, and the secret itself is not kept.
type account struct {
	name    string
	revoked bool
	credits atomic.Int64
	limiter *bucket
}

type keyring map[[sha256.Size]byte]*account

func newKeyring(keys []Key, limit RateLimit) (keyring, error) {
	ring := make(keyring, len(keys))
	for _, k := range keys {
		if k.Secret == "" {
			return nil, errors.New("gateway: a key has an empty secret")
		}
		if strings.ContainsAny(k.Secret, " \t\r\n") {
			return nil, errors.New("gateway: a key secret contains whitespace and could never be presented")
		}
		sum := sha256.Sum256([]byte(k.Secret))
		if _, dup := ring[sum]; dup {
			return nil, errors.New("gateway: two keys share a secret")
		}
		l := limit
		if k.RateLimit != nil {
			l = *k.RateLimit
		}
		a := &account{name: k.Name, revoked: k.Revoked, limiter: newBucket(l)}
		a.credits.Store(k.Credits)
		ring[sum] = a
	}
	return ring, nil
}

// authenticate reads only the Authorization header, so a bad key is refused
// the same way whatever the body holds. Messages never repeat what was sent.
func (g *Gateway) authenticate(r *http.Request) (*account, *APIError) {
	values, present := r.Header["Authorization"]
	if !present {
		return nil, newError(http.StatusUnauthorized, TypeAuthentication, ReasonNoKey,
			"Missing API key. Send it as 'Authorization: Bearer <API_KEY>'.").withCode("missing_api_key")
	}
	if len(values) != 1 {
		return nil, malformedAuth()
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, malformedAuth()
	}
	acct, ok := g.keys[sha256.Sum256([]byte(token))]
	if !ok {
		return nil, newError(http.StatusUnauthorized, TypeAuthentication, ReasonBadKey,
			"Invalid API key provided.").withCode("invalid_api_key")
	}
	if acct.revoked {
		return nil, newError(http.StatusUnauthorized, TypeAuthentication, ReasonRevokedKey,
			"This API key has been revoked. Use another key.").withCode("revoked_api_key")
	}
	return acct, nil
}

func malformedAuth() *APIError {
	return newError(http.StatusUnauthorized, TypeAuthentication, ReasonMalformedAuth,
		"Malformed Authorization header. Expected 'Authorization: Bearer <API_KEY>'.").withCode("invalid_authorization_header")
}

// admit applies the per-key limits that do not depend on the request body.
func (g *Gateway) admit(acct *account) *APIError {
	if ok, wait := acct.limiter.take(time.Now()); !ok {
		return newError(http.StatusTooManyRequests, TypeRateLimit, ReasonRateLimited,
			"Rate limit exceeded. Retry after the number of seconds in Retry-After.").
			withCode("rate_limit_exceeded").
			withHeader("Retry-After", retryAfterSeconds(wait))
	}
	if acct.credits.Load() <= 0 {
		return newError(http.StatusForbidden, TypePermission, ReasonInsufficientCredits,
			"Insufficient credits for this API key.").withCode("insufficient_credits")
	}
	return nil
}

// charge bills a completion; at least one credit, so that a free answer
// cannot be farmed by an upstream that omits usage.
func (a *account) charge(tokens int64) {
	a.credits.Add(-max(tokens, 1))
}
