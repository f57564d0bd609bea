package upstream

import (
	"context"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/witness"
)

// faultBehaviours gives every fault of faults.All() its misbehaviour. The
// table is built per handler because the holding faults need that handler's
// hold time and shutdown signal.
func faultBehaviours(h holder) map[string]behaviour {
	return map[string]behaviour{
		faults.Status500.Model:     status500,
		faults.Status503.Model:     status503,
		faults.Reset.Model:         reset,
		faults.Close.Model:         closeConn,
		faults.Timeout.Model:       h.timeout,
		faults.SlowFirstByte.Model: h.slowFirstByte,
		faults.Malformed.Model:     malformed,
		faults.Leak.Model:          leak,
		faults.Unverified.Model:    unverified,
		faults.StreamBreak.Model:   streamBreak,
		faults.Status400.Model:     status400,
	}
}

// holder is how long a holding fault stalls, and what cuts the stall short.
type holder struct {
	hold time.Duration
	// stop is closed when the server shuts down: http.Server.Shutdown waits
	// for active handlers and would otherwise wait out the whole hold.
	stop <-chan struct{}
}

// wait reports whether the whole hold passed; false means the client left or
// the server is going away, and nobody will read an answer.
func (h holder) wait(ctx context.Context) bool {
	t := time.NewTimer(h.hold)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-h.stop:
		return false
	}
}

// abandon drops a held answer's connection, telling the witness when the
// client hung up first: that is the gateway's upstream timeout at work, and
// the witness times it.
func (h holder) abandon(w http.ResponseWriter, r *http.Request) {
	if r.Context().Err() != nil {
		markHungUp(w)
	}
	panic(http.ErrAbortHandler)
}

func status500(w http.ResponseWriter, _ *http.Request, _ *chatRequest) {
	writeError(w, http.StatusInternalServerError, "server_error", "internal_error",
		"The server had an error while processing your request.")
}

func status503(w http.ResponseWriter, _ *http.Request, _ *chatRequest) {
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "server_error", "overloaded",
		"The engine is currently overloaded. Retry after the number of seconds in Retry-After.")
}

// status400 is a provider refusing the request as the client's fault: a
// gateway must still answer with its own words, since the message may hold
// anything the provider knows (UP-5).
func status400(w http.ResponseWriter, _ *http.Request, _ *chatRequest) {
	writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_request",
		"The request was refused by the provider (reference "+faults.CanaryMessage+").")
}

// reset sends a TCP RST: with a zero linger, close discards the socket
// instead of ending the stream in order.
func reset(w http.ResponseWriter, _ *http.Request, _ *chatRequest) {
	conn := hijack(w)
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func closeConn(w http.ResponseWriter, _ *http.Request, _ *chatRequest) {
	_ = hijack(w).Close()
}

// hijack takes the raw connection; the request body has been read to its
// end, so closing it sends a FIN rather than an RST over unread data.
func hijack(w http.ResponseWriter) net.Conn {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): aborting still drops the exchange.
		panic(http.ErrAbortHandler)
	}
	return conn
}

// timeout answers, late, only if someone is still waiting once the hold
// has passed. A cut-short hold drops the connection: an empty 200 would
// read as a malformed answer, a different fault.
func (h holder) timeout(w http.ResponseWriter, r *http.Request, req *chatRequest) {
	if !h.wait(r.Context()) {
		h.abandon(w, r)
	}
	complete(w, r, req)
}

// slowFirstByte commits to a healthy answer at once, so only a gateway
// whose timeout also covers reading the body notices the stall.
func (h holder) slowFirstByte(w http.ResponseWriter, r *http.Request, req *chatRequest) {
	w.Header().Set(faults.AttestationHeader, attestVerified)
	if req.Stream {
		startStream(w)
	} else {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = http.NewResponseController(w).Flush()
	}
	if !h.wait(r.Context()) {
		h.abandon(w, r)
	}
	whole := false
	if req.Stream {
		whole = sendEvents(w, streamEvents(req))
	} else {
		whole = writeBody(w, completion(req)) == nil
	}
	if whole {
		markCompleted(w)
	}
}

func malformed(w http.ResponseWriter, _ *http.Request, _ *chatRequest) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(faults.AttestationHeader, attestVerified)
	w.WriteHeader(http.StatusOK)
	// Cut short after the marker, so that a gateway relaying it is known.
	_, _ = io.WriteString(w, `{"system_fingerprint": "`+witness.Marker+`", "id": "chatcmpl-`)
}

// leak is what a careless provider sends: internals a gateway must never
// relay to its own clients.
func leak(w http.ResponseWriter, _ *http.Request, _ *chatRequest) {
	_ = writeJSON(w, http.StatusInternalServerError, map[string]any{"error": map[string]any{
		"message": "upstream connect error: dial tcp " + faults.CanaryHost + ":5432: connection refused " +
			"(dsn postgres://inference:" + faults.CanarySecret + "@" + faults.CanaryHost + "/billing)" + marked(""),
		"type":  "server_error",
		"param": nil,
		"code":  "internal_error",
		"stack": "panic: runtime error: invalid memory address or nil pointer dereference\n" +
			"goroutine 4127 [running]:\n" +
			"inference/engine.(*Batcher).Submit(0xc000a1c000, {0xc0004e2000, 0x1a})\n" +
			"\t/srv/" + faults.CanaryHost + "/engine/batcher.go:212 +0x1c4\n" +
			"inference/server.(*Handler).Chat(...)\n" +
			"\t/srv/" + faults.CanaryHost + "/server/chat.go:88 +0x2f1",
	}})
}

func unverified(w http.ResponseWriter, _ *http.Request, req *chatRequest) {
	answer(w, req, attestFailed)
}

// streamBreak drops the connection mid-stream, leaving the chunked body
// unterminated; a request that did not ask to stream is answered normally.
func streamBreak(w http.ResponseWriter, r *http.Request, req *chatRequest) {
	if !req.Stream {
		complete(w, r, req)
		return
	}
	w.Header().Set(faults.AttestationHeader, attestVerified)
	startStream(w)
	sendEvents(w, streamEvents(req)[:1])
	panic(http.ErrAbortHandler)
}
