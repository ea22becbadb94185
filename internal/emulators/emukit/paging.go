package emukit

import (
	"net/http"
	"strings"
)

// Page returns the [skip, skip+top) slice bounds for n items and whether
// more remain after it. top < 0 means defaultTop.
func Page(n, skip, top, defaultTop int) (lo, hi int, more bool) {
	if top < 0 {
		top = defaultTop
	}
	lo = min(skip, n)
	hi = min(lo+top, n)
	return lo, hi, hi < n
}

// RequestBase returns base, or scheme://host of r followed by the path
// prefix the emulator is mounted under (see Mount), so links the emulator
// builds lead back through the same host and prefix the caller used.
func RequestBase(r *http.Request, base string) string {
	if base != "" {
		return strings.TrimRight(base, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.Header.Get(PrefixHeader)
}
