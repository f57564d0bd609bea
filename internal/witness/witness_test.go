package witness

import (
	"encoding/json"
	"strings"
	"testing"
)

// The upstream finds nonces by IsNonce in what the suite sends, and the suite sends NewNonce's: a nonce the
// one makes that the other does not read would hide every request from the witness.
func TestANewNonceIsANonce(t *testing.T) {
	a, b := NewNonce(), NewNonce()
	if !IsNonce(a) || len(a) != NonceLen || a == b {
		t.Fatalf("NewNonce gave %q and %q", a, b)
	}
	const n = NoncePrefix + "0123456789abcdef"
	if !IsNonce(n) {
		t.Fatalf("IsNonce(%q) is false", n)
	}
	for _, s := range []string{
		"", NoncePrefix, NoncePrefix + "0123456789ABCDEF", n + "0", n[:len(n)-1], "gwc-x-0123456789abcdef", NoncePrefix + strings.Repeat("g", NonceDigits),
	} {
		if IsNonce(s) {
			t.Errorf("IsNonce(%q) is true", s)
		}
	}
}

// The witness's answer is read by the suite and written by the upstream, two programs: its members' names
// are the protocol, and a sighting of nothing is the nonce and reached alone.
func TestASightingIsWrittenAsTheProtocolNamesIt(t *testing.T) {
	for sg, want := range map[Sighting]string{
		{Nonce: "n"}: `{"nonce":"n","reached":false}`,
		{Nonce: "n", Reached: true, Status: 200, Times: 2, Completion: true}: `{"nonce":"n","reached":true,"status":200,"times":2,"completion":true}`,
	} {
		got, err := json.Marshal(sg)
		if err != nil || string(got) != want {
			t.Errorf("%+v is written %s (%v), want %s", sg, got, err, want)
		}
	}
}
