package ui

import (
	"net/http"
	"strings"
	"time"
)

// loginTTL bounds how long a login form may sit before it is submitted.
const loginTTL = 30 * time.Minute

type loginData struct {
	Next  string
	Error string
}

// loginPage answers GET /login: a form to paste an API token into. The
// form's CSRF value is also set as a cookie and the two must match on
// submit, since there is no session yet to hold it.
func (c *console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.showLogin(w, r, http.StatusOK, "")
}

func (c *console) showLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	token := randomToken()
	setCookie(w, r, loginCookie, token, loginTTL)
	v := view{Title: "Log in", CSRF: token, Data: loginData{Next: safeNext(r.FormValue("next")), Error: problem}}
	c.render(w, r, status, "login", v)
}

// login answers POST /login: a configured token starts a session with
// the token's name and role, exactly as the API would authenticate it.
func (c *console) login(w http.ResponseWriter, r *http.Request) {
	if !sameSecret(r.PostFormValue(csrfField), cookieValue(r, loginCookie)) {
		c.showLogin(w, r, http.StatusForbidden, "The login form had expired. Paste the token again.")
		return
	}
	who, ok := c.auth.Check(r.PostFormValue("token"))
	if !ok {
		c.log.InfoContext(r.Context(), "console login refused")
		c.showLogin(w, r, http.StatusUnauthorized, "That token is not one this hub accepts.")
		return
	}
	id := c.sessions.create(who)
	clearCookie(w, r, loginCookie)
	setCookie(w, r, sessionCookie, id, c.deps.SessionTTL)
	c.log.InfoContext(r.Context(), "console login", "name", who.Name, "role", string(who.Role))
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// logout answers POST /logout.
func (c *console) logout(w http.ResponseWriter, r *http.Request) {
	c.sessions.end(cookieValue(r, sessionCookie))
	clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this console: a path, never
// another host ("//evil.example" or "/\evil.example").
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
