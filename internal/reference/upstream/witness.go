package upstream

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gwconform/gwconform/internal/witness"
)

// witnessLimit bounds the log: the suite asks about a nonce soon after
// sending it, so the newest few thousand are plenty, and an upstream left
// running for days keeps a flat memory.
const witnessLimit = 4096

// scanLimit is how much of a body is searched for nonces: the suite puts
// its nonce in the prompt, near the start, and a huge body must not cost a
// scan of every byte.
const scanLimit = 1 << 20

// sightings remembers which nonces reached the upstream and how each was
// answered, so that the suite can tell a refusal the gateway made alone
// from one it passed on, and a request it never forwarded from one it did.
type sightings struct {
	mu    sync.Mutex
	limit int
	seen  map[string]*witness.Sighting
	// order holds the nonces in the order they were first seen, as a ring
	// once full; oldest is the next to go.
	order  []string
	oldest int
	// settled is closed, and replaced, whenever a request is answered: a
	// question waiting for a nonce to settle looks again then.
	settled chan struct{}
}

func newSightings(limit int) *sightings {
	return &sightings{limit: limit, seen: make(map[string]*witness.Sighting), settled: make(chan struct{})}
}

// arrived counts a request for each of its nonces, before it is answered:
// a request that a fault holds has reached the upstream all the same.
func (wt *sightings) arrived(nonces []string) {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	for _, n := range nonces {
		s, ok := wt.seen[n]
		if !ok {
			s = &witness.Sighting{Nonce: n}
			wt.remember(n, s)
		}
		s.Reached = true
		s.Times++
		s.InFlight++
	}
}

func (wt *sightings) remember(n string, s *witness.Sighting) {
	wt.seen[n] = s
	if len(wt.order) < wt.limit {
		wt.order = append(wt.order, n)
		return
	}
	delete(wt.seen, wt.order[wt.oldest])
	wt.order[wt.oldest] = n
	wt.oldest = (wt.oldest + 1) % wt.limit
}

// answered records how a request was answered, and, when its sender hung
// up on a held answer, after how long. A completion once served stays
// served: it was paid for, whatever later requests got.
func (wt *sightings) answered(nonces []string, status int, completion bool, hungUpAfter time.Duration) {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	for _, n := range nonces {
		// Evicted while the request was held: too old to be asked about.
		if s, ok := wt.seen[n]; ok {
			s.Status = status
			s.Completion = s.Completion || completion
			s.InFlight = max(s.InFlight-1, 0)
			if hungUpAfter > 0 {
				s.HungUpAfterMS = max(hungUpAfter.Milliseconds(), 1)
			}
		}
	}
	close(wt.settled)
	wt.settled = make(chan struct{})
}

// sighting is what the witness knows of nonce, and what to wait on for it
// to change.
func (wt *sightings) sighting(nonce string) (witness.Sighting, <-chan struct{}) {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	if s, ok := wt.seen[nonce]; ok {
		return *s, wt.settled
	}
	return witness.Sighting{Nonce: nonce}, wt.settled
}

// settledSighting is nonce's sighting once no request carrying it is in
// flight, or once witness.SettleWait has passed, or the asker left.
func (wt *sightings) settledSighting(r *http.Request, nonce string) witness.Sighting {
	give := time.NewTimer(witness.SettleWait)
	defer give.Stop()
	for {
		s, changed := wt.sighting(nonce)
		if s.InFlight == 0 {
			return s
		}
		select {
		case <-changed:
		case <-give.C:
			return s
		case <-r.Context().Done():
			return s
		}
	}
}

// serve answers GET witness.Path+nonce. It needs no key, even in
// strict mode: the suite asks, not the gateway.
func (wt *sightings) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "Method not allowed.")
		return
	}
	nonce := strings.TrimPrefix(r.URL.Path, witness.Path)
	if !witness.IsNonce(nonce) {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_nonce",
			fmt.Sprintf("A nonce is %s followed by %d lower-case hex digits.", witness.NoncePrefix, witness.NonceDigits))
		return
	}
	// A sighting changes with every request: no cache may answer for it.
	w.Header().Set("Cache-Control", "no-store")
	s, _ := wt.sighting(nonce)
	if r.URL.Query().Has(witness.SettledQuery) {
		s = wt.settledSighting(r, nonce)
	}
	_ = writeJSON(w, http.StatusOK, s)
}

// observe logs the request's nonces, then serves it through next and
// records the answer. The first scanLimit bytes of the body are read here
// and handed on to next unchanged.
func (wt *sightings) observe(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	head, _ := io.ReadAll(io.LimitReader(r.Body, scanLimit))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	nonces := noncesIn(r.Header.Values(witness.NonceHeader), head)
	wt.arrived(nonces)
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	returned := false
	defer func() {
		// A handler that did not return aborted its answer, even if it had
		// begun one: the client got no complete answer.
		status := rec.status
		if !returned {
			status = 0
		}
		var hungUpAfter time.Duration
		if rec.hungUp {
			hungUpAfter = time.Since(start)
		}
		wt.answered(nonces, status, status == http.StatusOK && rec.completed, hungUpAfter)
	}()
	next(rec, r)
	returned = true
}

// noncesIn finds the nonces of a request, each once: those of its header,
// then those in its body, which may be anything, JSON or not.
func noncesIn(header []string, body []byte) []string {
	var out []string
	add := func(n string) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, h := range header {
		if h = strings.TrimSpace(h); witness.IsNonce(h) {
			add(h)
		}
	}
	prefix := []byte(witness.NoncePrefix)
	for i := bytes.Index(body, prefix); i >= 0; {
		end := i + witness.NonceLen
		// A longer run of hex digits is some other token, not a nonce.
		if end <= len(body) && witness.IsNonce(string(body[i:end])) && (end == len(body) || !witness.IsNonceDigit(body[end])) {
			add(string(body[i:end]))
		}
		next := bytes.Index(body[i+len(prefix):], prefix)
		if next < 0 {
			break
		}
		i += len(prefix) + next
	}
	return out
}
