package suite

import (
	"encoding/json"
	"fmt"
)

// checkReceipt wants every completion served to carry its receipt id (RCPT-1).
func checkReceipt(e evidence) error {
	for _, ex := range e.exs {
		if ex.Response != nil && ex.Response.Status/100 == 2 && ex.Response.Header.Get("x-receipt-id") == "" {
			return fmt.Errorf("answered %d without x-receipt-id (%s)", ex.Response.Status, ex.Request.URL)
		}
	}
	return nil
}

// checkVerified wants a confidential model's completion to report the upstream's verification (RCPT-2).
func checkVerified(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	doc, err := r.JSON()
	if err != nil {
		return fmt.Errorf("the completion is not JSON: %v", err)
	}
	got := at(doc, "/upstream/verified/result")
	if got != "verified" {
		b, _ := json.Marshal(got)
		return fmt.Errorf("upstream.verified.result is %s, want \"verified\"", b)
	}
	return nil
}

// servedAny skips a success's extra checks when nothing was served: the status spec reports that.
func servedAny(e evidence) string {
	for _, ex := range e.exs {
		if ex.Response != nil && ex.Response.Status/100 == 2 {
			return ""
		}
	}
	return "no completion was served; the status spec reports it"
}
