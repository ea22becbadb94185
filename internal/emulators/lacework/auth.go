package lacework

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// apiKey is one API key an admin created and downloaded.
type apiKey struct {
	secret, user string
}

// token is one access token handed out.
type token struct {
	keyID   string
	expires time.Time
}

// tokens are the account's API keys and the access tokens issued for them.
type tokens struct {
	clock emukit.Clock

	mu     sync.Mutex
	keys   map[string]apiKey
	issues map[string]*token
	count  int
	limit  time.Duration // caps the expiryTime a client asks for; zero: none
}

func newTokens(clock emukit.Clock) *tokens {
	return &tokens{clock: clock, keys: map[string]apiKey{}, issues: map[string]*token{}}
}

func (ts *tokens) addKey(id, secret, user string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.keys[id] = apiKey{secret: secret, user: user}
}

// issue returns a token for keyID valid for life, or false when the key
// is unknown or secret is not its secret.
func (ts *tokens) issue(keyID, secret string, life time.Duration) (string, time.Time, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	k, ok := ts.keys[keyID]
	if !ok || secret == "" || k.secret != secret {
		return "", time.Time{}, false
	}
	b := make([]byte, 28)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	tok := "_" + hex.EncodeToString(b)
	if ts.limit > 0 && life > ts.limit {
		life = ts.limit
	}
	exp := ts.clock.Now().Add(life).UTC()
	ts.issues[tok] = &token{keyID: keyID, expires: exp}
	ts.count++
	return tok, exp, true
}

// check returns the key a live token was issued for.
func (ts *tokens) check(tok string) (string, emukit.AuthFailure) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.issues[tok]
	switch {
	case !ok:
		return "", emukit.AuthInvalid
	case !ts.clock.Now().Before(t.expires):
		return "", emukit.AuthExpired
	}
	return t.keyID, emukit.AuthOK
}

func (ts *tokens) user(keyID string) string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.keys[keyID].user
}

func (ts *tokens) expireAll() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	past := ts.clock.Now().Add(-time.Second)
	for _, t := range ts.issues {
		t.expires = past
	}
}

func (ts *tokens) setLimit(d time.Duration) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.limit = max(d, 0)
}

func (ts *tokens) expired() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	now, n := ts.clock.Now(), 0
	for _, t := range ts.issues {
		if !now.Before(t.expires) {
			n++
		}
	}
	return n
}

func (ts *tokens) issued() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.count
}

// tokenRequest is the body of POST /api/v2/access/tokens (the Go SDK's
// tokenRequest).
type tokenRequest struct {
	KeyID      string `json:"keyId"`
	ExpiryTime *int   `json:"expiryTime"`
}

// tokenAnswer is the SDK's TokenData.
type tokenAnswer struct {
	ExpiresAt string `json:"expiresAt"`
	Token     string `json:"token"`
}

// issueToken serves POST /api/v2/access/tokens: the key id in the body,
// its secret in X-LW-UAKS. expiryTime defaults to 3600 s and may not pass
// 86400 [U: out-of-range values are refused with 400 rather than
// clamped]; the answer is 201 [U: the status is undocumented; the SDK
// takes any 2xx]. A wrong key id or secret is 401 [U: the message].
func (e *Emulator) issueToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil || req.KeyID == "" {
		writeMessage(w, http.StatusBadRequest, "Invalid request body: keyId is required")
		return
	}
	life := DefaultTokenExpiry
	if req.ExpiryTime != nil {
		life = *req.ExpiryTime
	}
	if life < 1 || life > MaxTokenExpiry {
		writeMessage(w, http.StatusBadRequest, "expiryTime must be between 1 and 86400 seconds")
		return
	}
	tok, exp, ok := e.tokens.issue(req.KeyID, r.Header.Get("X-LW-UAKS"), time.Duration(life)*time.Second)
	if !ok {
		writeMessage(w, http.StatusUnauthorized, "Invalid Access Key ID or Secret Access Key")
		return
	}
	emukit.WriteJSON(w, http.StatusCreated, tokenAnswer{ExpiresAt: wireTime(exp), Token: tok})
}

// rawToken reads Authorization: "Bearer <t>" (the FortiCNAPP docs) or a
// bare "<t>" (what the Go SDK sends).
func rawToken(h string) string {
	h = strings.TrimSpace(h)
	if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(rest)
	}
	return h
}

// authenticate lets through calls with a live token and, when they name
// one, a sub-account of this organisation [U: a foreign Account-Name is
// refused with 403].
func (e *Emulator) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := rawToken(r.Header.Get("Authorization"))
		if tok == "" {
			writeMessage(w, http.StatusUnauthorized, "Authorization header is missing")
			return
		}
		keyID, why := e.tokens.check(tok)
		if why == emukit.AuthExpired {
			writeMessage(w, http.StatusUnauthorized, "Access token has expired")
			return
		}
		if why != emukit.AuthOK {
			writeMessage(w, http.StatusUnauthorized, "Access token is invalid")
			return
		}
		if sub := r.Header.Get("Account-Name"); sub != "" && !e.knownAccount(sub) {
			writeMessage(w, http.StatusForbidden, "User not authorized.")
			return
		}
		p := emukit.Principal{Tenant: e.opts.Account, ClientID: keyID, DisplayName: e.tokens.user(keyID)}
		next.ServeHTTP(w, r.WithContext(emukit.WithPrincipal(r.Context(), p)))
	})
}

func (e *Emulator) knownAccount(name string) bool {
	if strings.EqualFold(name, e.opts.Account) {
		return true
	}
	for _, s := range e.opts.SubAccounts {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}

// message is the v2 error body [U: the Go SDK reads "message" first].
type message struct {
	Message string `json:"message"`
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	emukit.WriteJSON(w, status, message{Message: msg})
}

// errorWriter answers for emukit's middleware in Lacework's words.
type errorWriter struct{}

// WriteUnauthorized is not reached (authenticate answers itself) but
// completes the interface.
func (errorWriter) WriteUnauthorized(w http.ResponseWriter, _ *http.Request, _ emukit.AuthFailure) {
	writeMessage(w, http.StatusUnauthorized, "Access token is invalid")
}

// WriteThrottled answers 429 with Retry-After in seconds [U: Lacework
// documents no rate limit, so neither the body nor the header].
func (errorWriter) WriteThrottled(w http.ResponseWriter, _ *http.Request, retryAfter time.Duration) {
	emukit.SetRetryAfter(w, retryAfter)
	writeMessage(w, http.StatusTooManyRequests, "Rate limit exceeded, please retry later")
}

// WriteServerError answers a failure injected on purpose.
func (errorWriter) WriteServerError(w http.ResponseWriter, _ *http.Request, status int) {
	writeMessage(w, status, http.StatusText(status))
}

var _ emukit.ErrorWriter = errorWriter{}
