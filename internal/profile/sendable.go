package profile

import "fmt"

// ControlCharacter names the first control character in v as a person calls it ("a newline", "a carriage
// return", "a tab", "a control character (U+0001)"), or "" when v has none. No HTTP header carries one, so
// a key or header value holding one fails every request as if the target did not answer; the commonest is
// the line end a value read from a file keeps.
func ControlCharacter(v string) string {
	for _, r := range v {
		switch {
		case r == '\n':
			return "a newline"
		case r == '\r':
			return "a carriage return"
		case r == '\t':
			return "a tab"
		case r < 0x20 || r == 0x7f:
			return fmt.Sprintf("a control character (U+%04X)", r)
		}
	}
	return ""
}

// UnsendableEnv says why the value of the environment variable env cannot be sent in a header, naming the
// variable, never the value, and how to strip it; nil when it can be sent.
func UnsendableEnv(env, value string) error {
	c := ControlCharacter(value)
	if c == "" {
		return nil
	}
	return fmt.Errorf(`$%s holds %s, which no HTTP header can carry: strip it, e.g. export %s="$(printf %%s "$%s" | tr -d '[:cntrl:]')"`, env, c, env, env)
}
