package gateway

import (
	"net/http"
	"strings"
)

type route struct {
	methods []string
	handle  func(w http.ResponseWriter, r *http.Request)
}

// The gateway's routes.
const (
	modelsPath          = "/v1/models"
	chatCompletionsPath = "/v1/chat/completions"
)

// Routes are matched by exact path rather than with http.ServeMux, whose own
// 404 and 405 answers are plain text and would break the envelope.
func (g *Gateway) defaultRoutes() map[string]route {
	return map[string]route{
		modelsPath:          {methods: []string{http.MethodGet, http.MethodHead}, handle: g.listModels},
		chatCompletionsPath: {methods: []string{http.MethodPost}, handle: g.chatCompletions},
	}
}

// ServeHTTP serves a request through the defects' middleware (Defect.Wrap),
// if any, around serve.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.handler.ServeHTTP(w, r)
}

// serve routes a request and guarantees it ends with either a response or,
// for a panic after the response began, a cut connection.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	tw := &trackingWriter{ResponseWriter: w}
	defer g.recoverPanic(tw, r)

	for _, d := range g.defects {
		if d.Before == nil {
			continue
		}
		if e := d.Before(g, r); e != nil {
			g.writeError(tw, r, e)
			return
		}
	}
	for _, d := range g.defects {
		if d.Serve != nil && d.Serve(g, tw, r) {
			return
		}
	}
	rt, ok := g.routes[r.URL.Path]
	if !ok && strings.HasPrefix(r.URL.Path, modelsPath+"/") {
		rt, ok = route{methods: []string{http.MethodGet, http.MethodHead}, handle: g.retrieveModel}, true
	}
	if !ok {
		g.writeError(tw, r, newError(http.StatusNotFound, TypeInvalidRequest, ReasonUnknownRoute,
			"Unknown route. See GET /v1/models and POST /v1/chat/completions.").withCode("unknown_route"))
		return
	}
	for _, m := range rt.methods {
		if r.Method == m {
			rt.handle(tw, r)
			return
		}
	}
	g.writeError(tw, r, newError(http.StatusMethodNotAllowed, TypeInvalidRequest, ReasonMethodNotAllowed,
		"Method not allowed on this route.").
		withCode("method_not_allowed").
		withHeader("Allow", strings.Join(rt.methods, ", ")))
}

// recoverPanic keeps a bug from reaching the client as a stack trace or a
// bare connection reset when an envelope can still be sent.
func (g *Gateway) recoverPanic(tw *trackingWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	if tw.wroteHeader && !tw.streaming() {
		// A half-written JSON body must not look complete.
		panic(http.ErrAbortHandler)
	}
	g.writeError(tw, r, internalError())
}

// trackingWriter remembers whether the status line went out, which decides
// whether an error can still be an HTTP response or only a stream event.
type trackingWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

func (t *trackingWriter) WriteHeader(status int) {
	if status >= 200 {
		t.wroteHeader = true
	}
	t.ResponseWriter.WriteHeader(status)
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	t.wroteHeader = true
	return t.ResponseWriter.Write(p)
}

func (t *trackingWriter) Flush() {
	t.wroteHeader = true
	_ = http.NewResponseController(t.ResponseWriter).Flush()
}

func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *trackingWriter) streaming() bool {
	return t.wroteHeader && strings.HasPrefix(t.Header().Get("Content-Type"), "text/event-stream")
}
