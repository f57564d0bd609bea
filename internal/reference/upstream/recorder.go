package upstream

import "net/http"

// recorder notes the status a handler answers, for the witness. Unwrap lets
// http.ResponseController reach the connection's own Flush and Hijack
// through it, which the streams and the connection faults depend on.
type recorder struct {
	http.ResponseWriter
	status int
	// completed is set by the handler once a completion was written whole.
	completed bool
	// hungUp is set by a fault that holds its answer when the client left before the hold ended.
	hungUp bool
}

func (r *recorder) WriteHeader(code int) {
	// Informational answers precede the real one.
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// markCompleted tells the witness, if w leads to one, that a completion
// was served whole: on a paid upstream, one that is billed.
func markCompleted(w http.ResponseWriter) {
	if rec := recorderOf(w); rec != nil {
		rec.completed = true
	}
}

// markHungUp tells the witness, if w leads to one, that the client hung up
// on an answer the upstream was holding.
func markHungUp(w http.ResponseWriter) {
	if rec := recorderOf(w); rec != nil {
		rec.hungUp = true
	}
}

// recorderOf is the recorder w leads to; nil when there is none.
func recorderOf(w http.ResponseWriter) *recorder {
	for {
		switch t := w.(type) {
		case *recorder:
			return t
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return nil
		}
	}
}
