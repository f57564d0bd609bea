// Package reference runs the suite's default target in-process: the
// reference gateway in front of the built-in upstream, each on its own
// loopback port, with a freshly generated key.
package reference

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/gateway"
	"github.com/gwconform/gwconform/internal/upstream"
)

// Options select what the reference target deviates in and how patient it
// is with its upstream.
type Options struct {
	// Defects are names from gateway.Defects().
	Defects []string
	// UpstreamTimeout is the gateway's upstream timeout; zero means the
	// gateway's default.
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
	// UpstreamURL is the built-in upstream's base URL, ending in /v1.
	UpstreamURL string

	gateway  *http.Server
	served   chan struct{}
	upstream *upstream.Server
}

// demoCredits is large enough that no suite run can exhaust it.
const demoCredits = 1 << 50

// shutdownGrace bounds Close so that a hung stream cannot hold a run.
const shutdownGrace = 2 * time.Second

var chatParameters = []string{
	"temperature", "top_p", "n", "max_tokens", "stream", "stop",
	"presence_penalty", "frequency_penalty", "seed", "user",
}

// Catalogue is the reference target's public models and the upstream ids
// they map to. ref/reasoning-small is the model that takes
// max_completion_tokens and refuses max_tokens and temperature.
func Catalogue() []gateway.Model {
	return []gateway.Model{
		{ID: "ref/chat-small", UpstreamID: "upstream-chat-small", SupportedParameters: chatParameters, OwnedBy: "gwconform"},
		{ID: "ref/chat-large", UpstreamID: "upstream-chat-large", SupportedParameters: chatParameters, OwnedBy: "gwconform"},
		{ID: "ref/reasoning-small", UpstreamID: "upstream-reasoning-small",
			SupportedParameters: []string{"max_completion_tokens", "stream", "seed", "user"}, OwnedBy: "gwconform"},
	}
}

// Start launches the upstream and the gateway.
func Start(opts Options) (*Stack, error) {
	defects, err := resolveDefects(opts.Defects)
	if err != nil {
		return nil, err
	}
	models := Catalogue()
	upstreamIDs := make([]string, 0, len(models))
	for _, m := range models {
		upstreamIDs = append(upstreamIDs, m.UpstreamID)
	}
	upstreamKey := "gwc-upstream-" + rand.Text()
	up, err := upstream.Start(upstream.Config{Models: upstreamIDs, APIKey: upstreamKey})
	if err != nil {
		return nil, fmt.Errorf("reference: start upstream: %w", err)
	}
	apiKey := "gwc-" + rand.Text()
	gw, err := gateway.New(gateway.Config{
		Keys:            []gateway.Key{{Secret: apiKey, Credits: demoCredits, Name: "demo"}},
		Models:          models,
		UpstreamURL:     up.URL,
		UpstreamKey:     upstreamKey,
		UpstreamTimeout: opts.UpstreamTimeout,
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
		BaseURL:     "http://" + ln.Addr().String() + "/v1",
		APIKey:      apiKey,
		UpstreamURL: up.URL,
		gateway:     &http.Server{Handler: gw, ReadHeaderTimeout: 5 * time.Second},
		served:      make(chan struct{}),
		upstream:    up,
	}
	go func() {
		defer close(s.served)
		_ = s.gateway.Serve(ln)
	}()
	return s, nil
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
