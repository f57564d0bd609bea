package inprocess

import (
	"crypto/rand"
	"time"

	"github.com/gwconform/gwconform/internal/reference/gateway"
)

// rateLimitedKeyLimit makes the third request of a burst meet a 429 with
// Retry-After: 1, and lets a second's back-off clear it (SRV-3). The refill
// is slow so that a burst meets the limit however slowly a busy machine
// sends it: its requests would have to come 5 s apart to pass.
var rateLimitedKeyLimit = gateway.RateLimit{PerSecond: 0.1, Burst: 2, Cooldown: time.Second}

// keys are a run's fresh secrets, one per role a spec can ask for.
type keys struct {
	demo, zeroCredit, revoked, rateLimited string
}

func newKeys() keys {
	return keys{
		demo:        "gwc-" + rand.Text(),
		zeroCredit:  "gwc-zero-" + rand.Text(),
		revoked:     "gwc-revoked-" + rand.Text(),
		rateLimited: "gwc-limited-" + rand.Text(),
	}
}

func (k keys) gatewayKeys() []gateway.Key {
	limit := rateLimitedKeyLimit
	return []gateway.Key{
		{Secret: k.demo, Credits: demoCredits, Name: "demo"},
		{Secret: k.zeroCredit, Credits: 0, Name: "zero-credit"},
		{Secret: k.revoked, Credits: demoCredits, Name: "revoked", Revoked: true},
		{Secret: k.rateLimited, Credits: demoCredits, Name: "rate-limited", RateLimit: &limit},
	}
}
