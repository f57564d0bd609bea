// Package gateway is the reference implementation of the error contract: a
// small OpenAI-compatible gateway that authenticates, validates and proxies
// chat completions, and answers every failure with the contract's envelope.
// Deliberate deviations from the contract are switched on through Defects,
// so the suite can prove it notices them.
package gateway

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config configures a Gateway. Zero values pick the documented defaults.
type Config struct {
	Keys   []Key
	Models []Model
	// UpstreamURL is the provider's base URL, ending in /v1.
	UpstreamURL string
	// UpstreamKey is sent upstream as a bearer token; the client's key never is.
	UpstreamKey string
	// UpstreamTimeout bounds each upstream exchange; default 10s.
	UpstreamTimeout time.Duration
	// MaxBodyBytes bounds a request body; default 4 MiB.
	MaxBodyBytes int64
	RateLimit    RateLimit
	// Defects are applied, in order, to every error the gateway writes.
	Defects []*Defect
}

const (
	defaultUpstreamTimeout = 10 * time.Second
	defaultMaxBodyBytes    = 4 << 20
)

// Gateway is an http.Handler serving /v1/models and /v1/chat/completions.
type Gateway struct {
	keys    keyring
	models  *catalogue
	routes  map[string]route
	defects []*Defect
	// handler is serve inside the defects' middleware (Defect.Wrap).
	handler http.Handler

	upstreamURL string
	upstreamKey string
	timeout     time.Duration
	maxBody     int64
	// client bounds a whole exchange; streamClient is bounded by a
	// watchdog instead, since a healthy stream may outlast any fixed limit.
	client       *http.Client
	streamClient *http.Client
}

// New checks cfg and builds a Gateway. Per-model upstream URLs are left
// unchecked on purpose: see Model.UpstreamURL.
func New(cfg Config) (*Gateway, error) {
	for _, d := range cfg.Defects {
		if d != nil && d.Tune != nil {
			d.Tune(&cfg)
		}
	}
	base, err := upstreamBase(cfg.UpstreamURL)
	if err != nil {
		return nil, err
	}
	if cfg.UpstreamTimeout < 0 || cfg.MaxBodyBytes < 0 {
		return nil, errors.New("gateway: negative timeout or body limit")
	}
	for _, d := range cfg.Defects {
		if d == nil {
			return nil, errors.New("gateway: nil defect")
		}
	}
	keys, err := newKeyring(cfg.Keys, cfg.RateLimit)
	if err != nil {
		return nil, err
	}
	models, err := newCatalogue(cfg.Models, time.Now().Unix())
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		keys:        keys,
		models:      models,
		defects:     append([]*Defect(nil), cfg.Defects...),
		upstreamURL: base,
		upstreamKey: cfg.UpstreamKey,
		timeout:     cmp.Or(cfg.UpstreamTimeout, defaultUpstreamTimeout),
		maxBody:     cmp.Or(cfg.MaxBodyBytes, defaultMaxBodyBytes),
	}
	g.client, g.streamClient = upstreamClients(g.timeout)
	g.routes = g.defaultRoutes()
	g.handler = http.HandlerFunc(g.serve)
	// The first defect's middleware is the outermost.
	for i := len(g.defects) - 1; i >= 0; i-- {
		if wrap := g.defects[i].Wrap; wrap != nil {
			g.handler = wrap(g.handler)
		}
	}
	return g, nil
}

func upstreamBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("gateway: UpstreamURL must be an absolute http(s) URL ending in /v1")
	}
	return strings.TrimRight(raw, "/"), nil
}

// chatCompletions runs the checks in the contract's order: the key before
// anything in the body, then the body's form, then its meaning.
func (g *Gateway) chatCompletions(w http.ResponseWriter, r *http.Request) {
	acct, apiErr := g.authenticate(r)
	if apiErr == nil {
		apiErr = g.admit(acct)
	}
	if apiErr == nil {
		apiErr = checkContentType(r)
	}
	var req *chatRequest
	if apiErr == nil {
		req, apiErr = g.parseRequest(r)
	}
	// Only a valid request learns that its model is out of service: it is
	// the one that would have been served.
	if apiErr == nil && req.model.Maintenance {
		apiErr = maintenance()
	}
	if apiErr != nil {
		g.writeError(w, r, apiErr)
		return
	}
	if req.stream {
		g.proxyStream(w, r, acct, req)
		return
	}
	g.proxy(w, r, acct, req)
}

func (g *Gateway) parseRequest(r *http.Request) (*chatRequest, *APIError) {
	data, err := g.readBody(r)
	if err != nil {
		return nil, err
	}
	body, err := parseRequestBody(data)
	if err != nil {
		return nil, err
	}
	return g.validate(body)
}
