// Package inprocess runs the suite's default target in-process: the
// reference gateway in front of the built-in upstream, each on its own
// loopback port, with freshly generated keys, and a trigger for every error
// the contract names.
package inprocess

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/reference/gateway"
	"github.com/gwconform/gwconform/internal/reference/upstream"
)

// Options select what the reference target deviates in and how patient it
// is with its upstream.
type Options struct {
	// Defects are names from gateway.Defects().
	Defects []string
	// UpstreamTimeout is the gateway's upstream timeout; zero means
	// DefaultUpstreamTimeout.
	UpstreamTimeout time.Duration
	// Listen is the gateway's address; empty means an ephemeral loopback
	// port, which is what tests want and a person with curl may not.
	Listen string
}

// Stack is a running reference target.
type Stack struct {
	// BaseURL is the gateway's base URL, ending in /v1.
	BaseURL string
	// APIKey is a valid key with ample credits.
	APIKey string
	// ZeroCreditKey is valid but has no credits: 403 (LIMIT-3).
	ZeroCreditKey string
	// RevokedKey was valid once: 401 revoked_api_key.
	RevokedKey string
	// RateLimitedKey has ample credits and its own tight rate limit (2
	// requests a second, burst 2): a quick burst meets 429, a second's
	// back-off clears it.
	RateLimitedKey string
	// UpstreamTimeout is the gateway's upstream timeout as configured (a
	// defect such as upstream-no-timeout may disregard it).
	UpstreamTimeout time.Duration
	// ModelsNeedKey says GET /v1/models needs a key: a defect made it so.
	ModelsNeedKey bool
	// Requires holds the headers ("Name: value") a defect wants on every request, such as the routing
	// header of routing-header-required: its profile carries them, so a run needs no --header.
	Requires []string
	// FaultModels maps a trigger to the public model id that pulls it: every
	// faults.Fault by its Key, plus "maintenance" (503 with Retry-After)
	// and "internal" (a misrouted model: 500 server_error). The map is the
	// caller's own copy.
	FaultModels map[string]string
	// UpstreamURL is the built-in upstream's base URL, ending in /v1.
	UpstreamURL string
	// WitnessURL is the upstream's witness, witness.Path on its port:
	// a nonce appended to it asks whether a request carrying it got past the
	// gateway.
	WitnessURL string

	gateway  *http.Server
	served   chan struct{}
	upstream *upstream.Server
}

// demoCredits is large enough that no suite run can exhaust it.
const demoCredits = 1 << 50

// DefaultUpstreamTimeout is short so that the timeout faults answer quickly;
// the built-in upstream answers healthy requests in far less.
const DefaultUpstreamTimeout = 500 * time.Millisecond

// upstreamHold outlasts any timeout a test sets, and is cut short by Close.
const upstreamHold = 30 * time.Second

// shutdownGrace bounds Close so that a hung stream cannot hold a run.
const shutdownGrace = 2 * time.Second

// Start launches the upstream and the gateway.
func Start(opts Options) (*Stack, error) {
	defects, err := resolveDefects(opts.Defects)
	if err != nil {
		return nil, err
	}
	// The upstream serves every fault id by itself; it is told only the
	// healthy ones.
	var healthy []string
	for _, m := range healthyModels() {
		healthy = append(healthy, m.UpstreamID)
	}
	upstreamKey := "gwc-upstream-" + rand.Text()
	// Permissive, as a vendor runs it to test a gateway: every refusal the
	// suite sees is then the gateway's own. The key is sent all the same,
	// as to a real provider.
	up, err := upstream.Start(upstream.Config{Models: healthy, APIKey: upstreamKey, Hold: upstreamHold})
	if err != nil {
		return nil, fmt.Errorf("reference: start upstream: %w", err)
	}
	k := newKeys()
	timeout := cmp.Or(opts.UpstreamTimeout, DefaultUpstreamTimeout)
	gw, err := gateway.New(gateway.Config{
		Keys:            k.gatewayKeys(),
		Models:          Catalogue(),
		UpstreamURL:     up.URL,
		UpstreamKey:     upstreamKey,
		UpstreamTimeout: timeout,
		Defects:         defects,
	})
	if err != nil {
		return nil, errors.Join(err, up.Close())
	}
	ln, err := net.Listen("tcp", cmp.Or(opts.Listen, "127.0.0.1:0"))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("reference: listen: %w", err), up.Close())
	}
	s := &Stack{
		BaseURL:         "http://" + ln.Addr().String() + "/v1",
		APIKey:          k.demo,
		ZeroCreditKey:   k.zeroCredit,
		RevokedKey:      k.revoked,
		RateLimitedKey:  k.rateLimited,
		UpstreamTimeout: timeout,
		ModelsNeedKey:   slices.ContainsFunc(defects, func(d *gateway.Defect) bool { return d.ModelsNeedKey }),
		Requires:        requires(defects),
		FaultModels:     FaultModels(),
		UpstreamURL:     up.URL,
		WitnessURL:      up.WitnessURL,
		gateway:         &http.Server{Handler: gw, ReadHeaderTimeout: 5 * time.Second},
		served:          make(chan struct{}),
		upstream:        up,
	}
	go func() {
		defer close(s.served)
		_ = s.gateway.Serve(ln)
	}()
	return s, nil
}

func requires(defects []*gateway.Defect) []string {
	var out []string
	for _, d := range defects {
		if d.Requires != "" {
			out = append(out, d.Requires)
		}
	}
	return out
}

func resolveDefects(names []string) ([]*gateway.Defect, error) {
	defects := make([]*gateway.Defect, 0, len(names))
	for _, name := range names {
		d, ok := gateway.LookupDefect(name)
		if !ok {
			valid := make([]string, 0)
			for _, d := range gateway.Defects() {
				valid = append(valid, d.Name)
			}
			return nil, fmt.Errorf("reference: unknown defect %q; valid defects: %s", name, strings.Join(valid, ", "))
		}
		defects = append(defects, d)
	}
	return defects, nil
}

// Close stops the gateway, then the upstream, each within a bounded time.
func (s *Stack) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := s.gateway.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.gateway.Close()
	}
	<-s.served
	return errors.Join(err, s.upstream.Close())
}
