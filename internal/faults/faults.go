// Package faults names the fault models of gwconform's upstream: model ids that make the upstream fail in
// one documented way instead of answering a completion. A vendor points its gateway's provider URL at
// `gwconform upstream`, exposes these ids, and the suite provokes each upstream failure through them.
//
// The package is the shared vocabulary of the upstream (which produces the faults) and the suite (which
// provokes them and looks for the canaries); neither imports the other. How the suite asks the upstream
// whether a request reached it is the witness's protocol, in package witness.
package faults

import (
	"strings"
	"time"
)

// Fault is one upstream misbehaviour.
type Fault struct {
	Key   string // the profile's name for it: upstream.models.<Key>
	Model string // the upstream's model id that provokes it
	Does  string // what the upstream does, for docs/profiles.md and `gwconform upstream`
}

// The faults, by profile key. Model ids are stable: vendors write them into their gateway's configuration.
var (
	Status500     = Fault{"status_500", "fault/status-500", "answers 500 with an OpenAI-style error body"}
	Status503     = Fault{"status_503", "fault/status-503", "answers 503 with Retry-After: 1"}
	Reset         = Fault{"reset", "fault/reset", "resets the connection (TCP RST) without answering"}
	Close         = Fault{"close", "fault/close", "closes the connection without answering"}
	Timeout       = Fault{"timeout", "fault/timeout", "sends nothing until the hold time passes (longer than any sane gateway timeout)"}
	SlowFirstByte = Fault{"slow_first_byte", "fault/slow-first-byte", "sends 200 headers at once, then holds the body's first byte for the hold time"}
	Malformed     = Fault{"malformed", "fault/malformed", "answers 200 application/json with a body that is not JSON"}
	Leak          = Fault{"leak", "fault/leak", "answers 500 with a body holding a canary secret, an internal hostname and a stack trace"}
	Unverified    = Fault{"unverified", "fault/unverified", "answers a completion whose confidential-compute verification failed (X-Attestation: failed)"}
	StreamBreak   = Fault{"stream_break", "fault/stream-break", "streams one chunk, then drops the connection"}
	Status400     = Fault{"status_400", "fault/status-400", "answers 400 with an error message holding a canary (UP-5: a gateway must not relay it)"}
)

// All lists every fault in a stable order.
func All() []Fault {
	return []Fault{Status500, Status503, Reset, Close, Timeout, SlowFirstByte, Malformed, Leak, Unverified, StreamBreak, Status400}
}

// Keys are the faults' profile keys, in All's order: what a profile's upstream.models and upstream.except,
// and a scenario's fault, may name.
func Keys() []string {
	var keys []string
	for _, f := range All() {
		keys = append(keys, f.Key)
	}
	return keys
}

// Prefix starts every fault model's id: an id under it belongs to the fault vocabulary, known fault or not.
const Prefix = "fault/"

// Named says whether id is of the fault vocabulary: under Prefix, or a fault model's id under a provider
// prefix (openai/fault/close). Such an id is never a healthy model, whoever lists it.
func Named(id string) bool {
	if strings.HasPrefix(id, Prefix) {
		return true
	}
	for _, f := range All() {
		if strings.HasSuffix(id, "/"+f.Model) {
			return true
		}
	}
	return false
}

// Canaries in the Leak fault's body: neither may ever appear in a gateway's answer (UP-5).
const (
	CanarySecret = "gwc-upstream-canary-secret-5e1f0a9b"
	CanaryHost   = "inference-7.gwconform-internal.invalid"
)

// DefaultHold is how long Timeout and SlowFirstByte hold, unless configured: far past any gateway's upstream
// timeout, yet finite so a gateway without one cannot keep the upstream busy forever.
const DefaultHold = 5 * time.Minute

// AttestationHeader carries the upstream's confidential-compute verification result: "verified" on every
// healthy answer, "failed" for the Unverified fault. Gateways serving confidential models check it.
const AttestationHeader = "X-Attestation"

// CanaryMessage is in the message of the 4xx the Status400 fault answers: a gateway must not relay it (UP-5).
const CanaryMessage = "gwc-upstream-4xx-canary-3b9d"
