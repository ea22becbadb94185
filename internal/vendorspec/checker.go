package vendorspec

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// Checker is an http.RoundTripper for a connector under test: it validates
// every request against the spec before passing it on, and counts the
// checked requests by operationId so a test can tell the check ran. With
// no Spec (Optional found none) it passes every request on unchecked, so
// the test's behaviour checks still run; Active tells the test whether to
// expect counts.
type Checker struct {
	Spec *Spec
	Next http.RoundTripper
	// Skip, when set, passes requests the spec does not cover (a token
	// endpoint) through unchecked.
	Skip func(*http.Request) bool
	// Report receives each request that is not an operation of the spec or
	// does not match it; tests pass t.Error.
	Report func(args ...any)

	mu      sync.Mutex
	checked map[string]int
}

// RoundTrip checks req unless Skip says otherwise, then sends it.
func (c *Checker) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.Active() && (c.Skip == nil || !c.Skip(req)) {
		c.check(req)
	}
	return c.Next.RoundTrip(req)
}

func (c *Checker) check(req *http.Request) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	op, err := c.Spec.OperationID(req)
	if err != nil {
		c.Report(err)
		return
	}
	if err := c.Spec.ValidateRequest(req, body); err != nil {
		c.Report(err, "\n", string(body))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checked == nil {
		c.checked = map[string]int{}
	}
	c.checked[op]++
}

// Active reports whether requests are checked, that is whether the spec
// was there to check them against.
func (c *Checker) Active() bool { return c.Spec != nil }

// Wrap sets next as the transport checked requests go on to and returns
// the checker, in the shape of a test's transport-wrapping hook.
func (c *Checker) Wrap(next http.RoundTripper) http.RoundTripper {
	c.Next = next
	return c
}

// Count is how many requests to operation op were checked.
func (c *Checker) Count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checked[op]
}

// Total is how many requests were checked.
func (c *Checker) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.checked {
		n += v
	}
	return n
}
