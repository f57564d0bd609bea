// Package witness is the wire protocol by which the suite sees, from the upstream's side, whether a request
// reached gwconform's upstream. The suite puts a nonce of its own in every request, in a header and in the
// prompt; the upstream remembers the nonces it saw and answers GET Path+nonce on its own port with a
// Sighting. Every answer the upstream writes carries its Marker, so that an upstream answer relayed by a
// gateway is recognised wherever it shows up.
//
// The upstream serves this protocol and the suite asks it; neither imports the other, so both hold to the
// protocol through this package alone.
package witness

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// NonceHeader carries a request's nonce; the prompt carries it too, for a gateway that drops unknown headers.
const NonceHeader = "X-Gwconform-Nonce"

// NoncePrefix starts every nonce; NonceDigits lower-case hex digits follow it.
const (
	NoncePrefix = "gwc-n-"
	NonceDigits = 2 * nonceBytes
	// NonceLen is a nonce's length: the prefix and its digits.
	NonceLen = len(NoncePrefix) + NonceDigits
)

// nonceBytes is how much randomness a nonce holds: enough that two runs never share one.
const nonceBytes = 8

// Path is where the witness answers on the upstream's port: GET Path+nonce.
const Path = "/gwconform/witness/"

// NewNonce is a fresh nonce, as the witness reads one.
func NewNonce() string {
	var b [nonceBytes]byte
	_, _ = rand.Read(b[:])
	return NoncePrefix + hex.EncodeToString(b[:])
}

// IsNonce says whether s is a nonce: NoncePrefix and NonceDigits lower-case hex digits, nothing more.
func IsNonce(s string) bool {
	digits, ok := strings.CutPrefix(s, NoncePrefix)
	if !ok || len(s) != NonceLen {
		return false
	}
	for i := range len(digits) {
		if !IsNonceDigit(digits[i]) {
			return false
		}
	}
	return true
}

// IsNonceDigit accepts lower-case hex digits only: that is how NewNonce writes them, and one spelling keeps
// a nonce one key.
func IsNonceDigit(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

// Sighting is the witness's answer about one nonce.
type Sighting struct {
	Nonce   string `json:"nonce"`
	Reached bool   `json:"reached"`          // a request carrying it reached the upstream
	Status  int    `json:"status,omitempty"` // what the upstream answered it, the last time
	Times   int    `json:"times,omitempty"`  // how many requests carried it
	// Completion says the upstream served a completion for it: on a paid upstream, a billed one.
	Completion bool `json:"completion,omitempty"`
	// InFlight counts the requests carrying it that the upstream is still answering.
	InFlight int `json:"in_flight,omitempty"`
	// HungUpAfterMS is how long the upstream had held the last request carrying it, in milliseconds, when
	// its sender hung up without waiting for the answer. For a fault that holds its answer, that is the
	// gateway's upstream timeout at work, timed where the suite's own side of the machine does not count.
	HungUpAfterMS int64 `json:"hung_up_after_ms,omitempty"`
}

// HungUpAfter is HungUpAfterMS as a duration; zero when the sender never hung up on the upstream.
func (s Sighting) HungUpAfter() time.Duration {
	return time.Duration(s.HungUpAfterMS) * time.Millisecond
}

// SettledQuery asks the witness to wait before it answers, up to SettleWait, until no request carrying the
// nonce is in flight (GET Path+nonce+"?"+SettledQuery): the upstream notes how it answered a request when
// its handler returns, which can be a moment after the gateway has the answer, or has given up on it.
const SettledQuery = "settled"

// SettleWait bounds a SettledQuery's wait: a request still in flight after it is reported as such.
const SettleWait = 5 * time.Second

// Marker is in every answer the upstream writes, in the MarkerHeader header and in the body (an error's
// message, a completion's system_fingerprint).
const (
	MarkerHeader = "X-Gwconform-Upstream"
	Marker       = "gwc-upstream-answer-7d2e"
)
