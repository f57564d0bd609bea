package gateway

import (
	"net/http"

	"github.com/gwconform/gwconform/internal/faults"
)

// attestationVerified is the only value of faults.AttestationHeader that
// lets a confidential model's answer through; absent or anything else fails.
const attestationVerified = "verified"

// verify withholds a confidential model's answer unless the upstream proved
// it ran in confidential compute. The refusal is a 403, never a 5xx or 429:
// retrying would reach the same unproven upstream, and a client that
// retries transient errors must not be invited to (UP-6).
func verify(model *catalogueEntry, h http.Header) *APIError {
	if !model.Confidential || h.Get(faults.AttestationHeader) == attestationVerified {
		return nil
	}
	return newError(http.StatusForbidden, TypeVerification, ReasonVerificationFailed,
		"Confidential-compute verification of the upstream provider failed, so its answer was withheld. "+
			"This is not a transient error: do not retry the request.").
		withCode("upstream_verification_failed")
}
