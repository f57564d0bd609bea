package gateway

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// RateLimit is a per-key token bucket. A zero PerSecond means unlimited.
type RateLimit struct {
	PerSecond float64
	// Burst is the bucket's size; zero means max(1, PerSecond).
	Burst int
	// Cooldown, when set, is how long a key that emptied its bucket is refused: every request in it is
	// told to wait what is left of it, and the bucket is full again once it ends, as gateways that block
	// an exceeded key for a while do. The refill then only decides how slow requests must come to never
	// meet the limit, and the wait a 429 names does not depend on it.
	Cooldown time.Duration
}

type bucket struct {
	rate, size float64
	cooldown   time.Duration

	mu     sync.Mutex
	tokens float64
	last   time.Time
	until  time.Time // the end of the cooldown under way; zero outside one
}

// newBucket returns nil for no limit; a nil bucket always admits.
func newBucket(l RateLimit) *bucket {
	if l.PerSecond <= 0 {
		return nil
	}
	size := float64(l.Burst)
	if size <= 0 {
		size = math.Max(1, l.PerSecond)
	}
	return &bucket{rate: l.PerSecond, size: size, tokens: size, cooldown: l.Cooldown}
}

// take spends one token, or says how long until one is available.
func (b *bucket) take(now time.Time) (bool, time.Duration) {
	if b == nil {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.until.IsZero() {
		if now.Before(b.until) {
			return false, b.until.Sub(now)
		}
		b.tokens, b.last, b.until = b.size, now, time.Time{}
	}
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = math.Min(b.size, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if now.After(b.last) {
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	if b.cooldown > 0 {
		b.until = now.Add(b.cooldown)
		return false, b.cooldown
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// retryAfterSeconds rounds up and never says 0, which clients read as
// "retry at once".
func retryAfterSeconds(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	return strconv.FormatInt(max(s, 1), 10)
}
