package gateway

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// completionLimiter is a conformant variation seen on a real gateway: the rate-limited key's limiter counts
// a request when its answer is complete, not when it arrives. Requests sent one after another meet the
// limit at the third; a wave of concurrent ones all pass before any is counted. A burst that goes out in
// waves never sees its 429 (LIMIT-1), so the suite bursts one request at a time.
func completionLimiter() *Defect {
	const (
		limit  = 2
		window = 2 * time.Second
	)
	var (
		mu      sync.Mutex
		limited = map[string]bool{} // the rate-limited keys' secrets
		done    []time.Time         // when the limited keys' answers completed, oldest first
	)
	// recent drops what left the window; with mu held.
	recent := func(now time.Time) {
		i := 0
		for i < len(done) && now.Sub(done[i]) >= window {
			i++
		}
		done = done[i:]
	}
	secret := func(r *http.Request) string {
		scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return ""
		}
		return strings.TrimSpace(token)
	}
	return &Defect{
		Name:      "limiter-counts-on-completion",
		Summary:   "conformant: the rate-limited key allows 2 requests per 2 s, counted when each answer completes: requests sent one after another get 429 from the third on; concurrent ones all pass before any is counted.",
		Variation: true,
		Tune: func(cfg *Config) {
			keys := slices.Clone(cfg.Keys)
			mu.Lock()
			defer mu.Unlock()
			for i := range keys {
				if keys[i].RateLimit != nil {
					limited[keys[i].Secret] = true
					keys[i].RateLimit = &RateLimit{} // unlimited at admission: this limiter counts instead
				}
			}
			cfg.Keys = keys
		},
		Before: func(_ *Gateway, r *http.Request) *APIError {
			mu.Lock()
			defer mu.Unlock()
			if !limited[secret(r)] {
				return nil
			}
			now := time.Now()
			recent(now)
			if len(done) < limit {
				return nil
			}
			return newError(http.StatusTooManyRequests, TypeRateLimit, ReasonRateLimited,
				"Rate limit exceeded. Retry after the number of seconds in Retry-After.").
				withCode("rate_limit_exceeded").
				withHeader("Retry-After", retryAfterSeconds(window-now.Sub(done[0])))
		},
		Wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sw := &statusSeen{ResponseWriter: w, status: http.StatusOK}
				next.ServeHTTP(sw, r)
				mu.Lock()
				defer mu.Unlock()
				// A request it refused is not counted: the limit then clears as its Retry-After says.
				if limited[secret(r)] && sw.status != http.StatusTooManyRequests {
					done = append(done, time.Now())
				}
			})
		},
	}
}

// statusSeen remembers the status an answer went out with.
type statusSeen struct {
	http.ResponseWriter
	status int
}

func (s *statusSeen) WriteHeader(code int) {
	if code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusSeen) Unwrap() http.ResponseWriter { return s.ResponseWriter }
