package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/witness"
)

// witnessWait bounds one question to the witness: it is gwconform's own upstream, next to the gateway, and
// it waits up to witness.SettleWait for the requests asked about to be settled.
const witnessWait = witness.SettleWait + 5*time.Second

// sighting is what the upstream's witness said of one exchange, or why it could not say.
type sighting struct {
	witness.Sighting
	err error
}

// askWitness asks the upstream, for every exchange of the scenario, whether its request reached it. It is
// asked once the scenario's exchanges are all made, so the gateway has answered each of them.
func (t *Target) askWitness(ctx context.Context, s *sent) {
	if t.offers.Witness == "" {
		return
	}
	s.seen = map[*exchange.Exchange]sighting{}
	for _, ex := range s.all() {
		if nonce := ex.Request.Header.Get(witness.NonceHeader); nonce != "" {
			s.seen[ex] = t.ask(ctx, nonce)
		}
	}
}

// ask asks the witness once every request carrying nonce is settled: the upstream notes how it answered a
// request when its handler returns, which can be a moment after the gateway, holding the whole answer, has
// passed it on, or after the gateway gave up on it.
func (t *Target) ask(ctx context.Context, nonce string) sighting {
	ctx, cancel := context.WithTimeout(ctx, witnessWait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.offers.Witness+nonce+"?"+witness.SettledQuery, nil)
	if err != nil {
		return sighting{err: err}
	}
	resp, err := t.witnessClient.Do(req)
	if err != nil {
		return sighting{err: err}
	}
	defer resp.Body.Close()
	var sg witness.Sighting
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &sg) != nil || sg.Nonce != nonce {
		return sighting{err: fmt.Errorf("GET %s%s answered %d, not a sighting of that nonce", t.offers.Witness, nonce, resp.StatusCode)}
	}
	return sighting{Sighting: sg}
}

// notProvoked says why an upstream fault's scenario has nothing to judge: the upstream's witness saw none
// of its requests, and no answer carries the upstream's marker, so the gateway answered without asking the
// upstream (the model is not in its catalogue, or routed elsewhere) and the fault was never provoked.
// Judging that answer as the fault's would charge UP-* with what the gateway says of a model it lacks.
func (t *Target) notProvoked(sc scenario.Scenario, s *sent) string {
	if sc.Fault == "" || t.offers.Witness == "" || len(s.exs) == 0 {
		return ""
	}
	for _, ex := range s.exs {
		sg, ok := s.seen[ex]
		if !ok || sg.err != nil || sg.Reached || ex.Err == nil && relayed(ex) {
			return ""
		}
	}
	model := t.offers.FaultModels[sc.Fault]
	return fmt.Sprintf("not provoked: the gateway did not route %s to the upstream (its witness saw no such request): add it to the gateway's catalogue, or map upstream.models.%s in the profile to the id the gateway routes there", model, sc.Fault)
}

// all are every exchange of the scenario.
func (s *sent) all() []*exchange.Exchange {
	out := append(append([]*exchange.Exchange{}, s.exs...), s.repeats...)
	for _, ex := range s.controls {
		out = append(out, ex)
	}
	out = append(append(out, s.retries...), s.throttled...)
	for _, call := range []*sdkCall{s.sdk, s.sdkRetry} {
		if call != nil {
			out = append(out, call.attempts...)
		}
	}
	return out
}

// String is the sighting as a transcript states it.
func (sg sighting) String() string {
	switch {
	case sg.err != nil:
		return "the upstream's witness could not say whether this request reached it: " + sg.err.Error()
	case !sg.Reached:
		return "this request did not reach the upstream"
	case sg.Completion:
		return fmt.Sprintf("this request reached the upstream, which served a completion (%d): billable on a paid upstream", sg.Status)
	case sg.Status == 0:
		return "this request reached the upstream, which had not answered it when the gateway did"
	}
	return fmt.Sprintf("this request reached the upstream, which answered %d", sg.Status)
}

// Billed counts the completions served to requests the gateway should have refused itself: those the
// upstream's witness saw served, or whose success carries the upstream's marker, to a scenario charged to one
// of gatewayRefuses (but a proper twin, which the gateway must serve), and every success answered to a
// generated body.
func (t *Target) Billed() int {
	n := 0
	for _, sc := range t.Scenarios.Scenarios {
		s := t.recorded[sc.ID]
		if s != nil && sc.Generated != nil {
			// A generated body carries no nonce, so that a seed sends the same bytes every time: a gateway
			// that drops the nonce header hides it from the witness. Its success is the completion served.
			n += served(s.exs)
			continue
		}
		if s == nil || !refusedByTheGateway(sc) {
			continue
		}
		for ex, sg := range s.seen {
			// A success carrying the upstream's marker is a completion the witness missed (the gateway
			// dropped the nonce's header), as SEC-1 reads it.
			missed := sg.err == nil && !sg.Reached && ex.Err == nil && isSuccess(ex.Response.Status) && markedByTheUpstream(ex)
			if (sg.Completion || missed) && ex != s.controls[scenario.ControlProper] {
				n++
			}
		}
	}
	return n
}

// served counts the exchanges answered with a success.
func served(exs []*exchange.Exchange) int {
	n := 0
	for _, ex := range exs {
		if ex.Err == nil && isSuccess(ex.Response.Status) {
			n++
		}
	}
	return n
}
