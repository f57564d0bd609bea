package suite

import (
	"encoding/json"
	"fmt"
	"mime"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
)

// streamingChecks judge a stream: true request the gateway must refuse before the first token by the
// answer it gives the same request without stream: true. STREAM-1 asks that streaming change nothing of a
// refusal (status, envelope, type); whether the refusal itself is right is the plain request's scenario's to
// judge, so a gateway that gets only streaming wrong fails no MUST, and one that refuses wrongly is not
// charged twice. How the answer is labelled (ENV-5) and an envelope under a 2xx (ENV-7) are judged as for
// any other answer.
func streamingChecks(sc scenario.Scenario) []check {
	return []check{
		{name: "answers the status the same request gets without stream: true, never a 200 event stream", rule: chargeLikePlain, run: checkStatusLikePlain, applies: plainAnswered, judgesSilence: true},
		{name: "answers the error.type the same request gets without stream: true", rule: chargeLikePlain, run: checkTypeLikePlain, applies: all(plainAnswered, errorAnswered)},
		{name: "answers the JSON error envelope the same request gets without stream: true", rule: chargeLikePlain, run: checkEnvelopeLikePlain, applies: all(plainAnswered, errorAnswered)},
		{name: "pairs its status with the envelope as any answer must", rule: chargePairing, run: checkEnvelopeMatchesStatus},
		{name: "answers Content-Type application/json", rule: chargeContentType, run: checkContentType, applies: errorAnswered},
	}
}

// plainAnswered skips what the plain twin's answer decides when it has none, or when it was served: then
// nothing was refused before the first token, and the plain request's own scenario reports that.
func plainAnswered(e evidence) string {
	ex, ok := e.controls[plainTwin]
	switch {
	case !ok:
		return "the same request without stream: true was not sent"
	case ex.Err != nil:
		return fmt.Sprintf("cannot tell: the same request without stream: true got no answer (%v)", ex.Err)
	case ex.Response.Status < 400:
		return fmt.Sprintf("the same request without stream: true was answered %d, not refused: its own scenario reports it", ex.Response.Status)
	}
	return ""
}

func checkStatusLikePlain(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	plain := e.controls[plainTwin].Response
	if r.Status != plain.Status {
		what := fmt.Sprint(r.Status)
		if isEventStream(r) {
			what += " text/event-stream"
		}
		return fmt.Errorf("answered %s; the same request without stream: true is answered %d", what, plain.Status)
	}
	return nil
}

func checkTypeLikePlain(e evidence) error {
	r, _ := e.answer()
	plain := e.controls[plainTwin].Response
	if got, want := describeMember(r, "type"), describeMember(plain, "type"); got != want {
		return fmt.Errorf("error.type is %s; the same request without stream: true gets %s", got, want)
	}
	return nil
}

// checkEnvelopeLikePlain reads the body as the JSON it must be, whatever its label says (ENV-5 judges that):
// an error event, or no envelope, where the plain request gets the envelope, is streaming's doing.
func checkEnvelopeLikePlain(e evidence) error {
	r, _ := e.answer()
	if hasErrorObject(e.controls[plainTwin].Response) && !hasErrorObject(r) {
		if isEventStream(r) {
			return fmt.Errorf("answered the error as an event stream, where the same request without stream: true gets the JSON envelope: a client reading the status never sees it")
		}
		return fmt.Errorf("no error object, where the same request without stream: true gets one")
	}
	return nil
}

func isEventStream(r *exchange.Response) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "text/event-stream"
}

// streamEndChecks judge a stream the upstream broke after it began (STREAM-2).
func streamEndChecks(sc scenario.Scenario) []check {
	return []check{{name: "ends its stream with an error event of type " + sc.Expect.StreamError + ", never [DONE] or silence",
		rule: chargeStreamEnd, run: checkStreamError, applies: streamBegan, judgesSilence: true}}
}

// streamBegan skips STREAM-2's check when the gateway answered before any event went out: the failure was
// then not mid-stream, and the answer is STREAM-1's kind.
func streamBegan(e evidence) string {
	if len(e.exs) == 0 || e.exs[0].Err != nil {
		return ""
	}
	r := e.exs[0].Response
	if r.Status != 200 || !isEventStream(r) {
		return fmt.Sprintf("the gateway answered %d %s before streaming began: not a failure mid-stream", r.Status, r.Header.Get("Content-Type"))
	}
	return ""
}

func checkStreamError(e evidence) error {
	if len(e.exs) == 0 {
		return fmt.Errorf("no request was sent")
	}
	ex := e.exs[0]
	if ex.Err != nil {
		return fmt.Errorf("the stream was cut with no error event: %v", ex.Err)
	}
	r := ex.Response
	if r.Truncated {
		return fmt.Errorf("the stream did not end within %d bytes", len(r.Body))
	}
	events, _ := parseEvents(r.Body)
	done := -1
	for i, ev := range events {
		if ev.data == "[DONE]" {
			if done < 0 {
				done = i
			}
			continue
		}
		var payload struct {
			Error *struct {
				Type any `json:"type"`
			} `json:"error"`
		}
		if json.Unmarshal([]byte(ev.data), &payload) != nil || payload.Error == nil {
			continue
		}
		switch {
		case done >= 0:
			return fmt.Errorf("[DONE] came before the error event: a client stops reading at [DONE] and takes a broken answer for a complete one")
		case payload.Error.Type != e.sc.Expect.StreamError:
			b, _ := json.Marshal(payload.Error.Type)
			return fmt.Errorf("the error event's error.type is %s, want %q", b, e.sc.Expect.StreamError)
		}
		return nil
	}
	if done >= 0 {
		return fmt.Errorf("the stream ended with [DONE] and no error event after %d event(s): a client takes a broken answer for a complete one", done)
	}
	return fmt.Errorf("the stream ended with no error event after %d event(s): a client cannot tell a broken answer from a complete one", len(events))
}
