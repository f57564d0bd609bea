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
	for {
		switch t := w.(type) {
		case *recorder:
			t.completed = true
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return
		}
	}
}
