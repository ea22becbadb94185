package ui

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// loginTTL bounds how long a login form may sit before it is submitted.
const loginTTL = 30 * time.Minute

type loginData struct {
	Next  string
	Error string
	// Users says whether the console takes usernames and passwords.
	Users bool
}

// loginPage answers GET /login: a form to paste an API token into and,
// when console users are configured, one for a username and a password.
// The forms' CSRF value is also set as a cookie and the two must match
// on submit, since there is no session yet to hold it.
func (c *console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.showLogin(w, r, http.StatusOK, "")
}

func (c *console) showLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	token := randomToken()
	setCookie(w, r, loginCookie, token, loginTTL)
	d := loginData{Next: safeNext(r.FormValue("next")), Error: problem, Users: c.users.configured()}
	c.render(w, r, status, "login", view{Title: "Log in", CSRF: token, Data: d})
}

// login answers POST /login: a configured token, or a configured user's
// username and password, starts a session with the role and tenant they
// carry, exactly as the API would grant them. Failures are limited per
// username and per client address and logged without the password.
func (c *console) login(w http.ResponseWriter, r *http.Request) {
	if !sameSecret(r.PostFormValue(csrfField), cookieValue(r, loginCookie)) {
		c.showLogin(w, r, http.StatusForbidden, "The login form had expired. Log in again.")
		return
	}
	username, password := strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password")
	if len(username) > 64 { // no configured username is longer; keeps log lines short
		username = username[:64]
	}
	byPassword := username != "" || password != ""
	addr := clientAddr(r)
	if wait := c.limits.wait(username, addr); wait > 0 {
		c.log.WarnContext(r.Context(), "console login refused: too many failures", "username", username, "remote", addr)
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		c.showLogin(w, r, http.StatusTooManyRequests, "Too many failed logins for this user or from this address. Try again in "+
			wait.Round(time.Second).String()+".")
		return
	}
	g := grant{seed: newSeed(), credential: credToken}
	var ok bool
	if byPassword {
		g.credential = credUser
		g.who, g.binding, ok = c.users.check(username, password, g.seed)
	} else {
		g.who, g.binding, ok = c.auth.CheckBound(r.PostFormValue("token"), g.seed)
	}
	if !ok {
		c.refuse(w, r, username, addr, byPassword)
		return
	}
	id, err := c.sessions.create(r.Context(), g)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	clearCookie(w, r, loginCookie)
	setCookie(w, r, sessionCookie, id, c.deps.SessionTTL)
	c.log.InfoContext(r.Context(), "console login", "name", g.who.Name, "role", string(g.who.Role), "with", g.credential)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// refuse counts and logs a failed login, naming the username (never the
// password or token) and the client address.
func (c *console) refuse(w http.ResponseWriter, r *http.Request, username, addr string, byPassword bool) {
	c.limits.fail(username, addr)
	if byPassword {
		c.log.WarnContext(r.Context(), "console login refused: wrong username or password", "username", username, "remote", addr)
		c.showLogin(w, r, http.StatusUnauthorized, "That username and password do not match a user of this console.")
		return
	}
	c.log.WarnContext(r.Context(), "console login refused: unknown token", "remote", addr)
	c.showLogin(w, r, http.StatusUnauthorized, "That token is not one this hub accepts.")
}

// logout answers POST /logout: the session is deleted, on every replica.
func (c *console) logout(w http.ResponseWriter, r *http.Request) {
	if err := c.sessions.end(r.Context(), cookieValue(r, sessionCookie)); err != nil {
		c.fail(w, r, err)
		return
	}
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
