package arm

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/odata"
)

// ARM providers page with an opaque $skipToken rather than $skip. The
// emulators' tokens carry the offset of the next page ("o:<n>", base64url)
// so a client that edits or invents one gets the provider's 400.

// EncodeSkipToken returns the $skipToken for the page starting at offset.
func EncodeSkipToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

// DecodeSkipToken returns the offset a token from EncodeSkipToken carries;
// an empty token is offset zero. Errors wrap odata.ErrBadQuery.
func DecodeSkipToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, fmt.Errorf("decode skip token: %w", odata.ErrBadQuery)
	}
	s, ok := strings.CutPrefix(string(b), "o:")
	n, err := strconv.Atoi(s)
	if !ok || err != nil || n < 0 {
		return 0, fmt.Errorf("decode skip token %q: bad offset: %w", tok, odata.ErrBadQuery)
	}
	return n, nil
}

// SkipTokenLink is the absolute nextLink for the page starting at offset:
// r's path with q plus the $skipToken, on the host r arrived at.
func SkipTokenLink(r *http.Request, q url.Values, offset int) string {
	q.Set("$skipToken", EncodeSkipToken(offset))
	return emukit.RequestBase(r, "") + r.URL.Path + "?" + odata.Encode(q)
}
