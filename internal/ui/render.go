package ui

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/api"
)

//go:embed templates
var templateFS embed.FS

// pages are the parsed templates: each page file with the layout and the
// shared partials, parsed once at start so a broken template fails the
// build's tests, not a request.
type pages struct{ byName map[string]*template.Template }

func mustParsePages() *pages {
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html"))
	names, err := fs.Glob(templateFS, "templates/page_*.html")
	if err != nil {
		panic(err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "templates/page_"), ".html")
		p.byName[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, file))
	}
	return p
}

// view is what every page template gets.
type view struct {
	Title string
	// Nav names the menu entry to highlight.
	Nav  string
	Who  api.Principal
	CSRF string
	// Tenant is the tenant the page shows; Tenants, for an operator, the
	// tenants the switcher offers.
	Tenant  string
	Tenants []tenantChoice
	// Analyst and Admin say what the viewer may do, so a page shows only
	// the buttons its role may press (the routes refuse the rest anyway).
	Analyst, Admin bool
	Flash          string
	Data           any
	// Live marks an htmx fragment whose parts also update elsewhere on
	// the page (out-of-band swaps).
	Live bool
}

func (c *console) view(r *http.Request, nav, title string, data any) view {
	se := current(r.Context())
	return view{Title: title, Nav: nav, Who: se.who, CSRF: se.csrf, Data: data,
		Tenant: se.tenant, Tenants: c.tenantChoices(r),
		Analyst: se.who.Role.AtLeast(api.RoleAnalyst), Admin: se.who.Role.AtLeast(api.RoleAdmin),
		Flash: r.URL.Query().Get("done")}
}

// render writes a whole page. It renders into a buffer first so that a
// template error becomes a clean error page, not half a page.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	c.execute(w, r, status, page, "layout", v)
}

// fragment writes one named template of a page alone (an htmx swap).
func (c *console) fragment(w http.ResponseWriter, r *http.Request, page, name string, v view) {
	c.execute(w, r, http.StatusOK, page, name, v)
}

func (c *console) execute(w http.ResponseWriter, r *http.Request, status int, page, name string, v view) {
	t, ok := c.pages.byName[page]
	if !ok {
		c.fail(w, r, fmt.Errorf("no page template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		c.fail(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage answers with a page that says what went wrong in words the
// console or the engine chose (a refused verdict says why); an internal
// error's text, which might name a vendor's answer or a setting, is only
// logged (see fail).
func (c *console) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	v := c.view(r, "", http.StatusText(status), struct {
		Status int
		Msg    string
	}{status, msg})
	t := c.pages.byName["error"]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		http.Error(w, msg, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail logs err and answers 500 without its detail.
func (c *console) fail(w http.ResponseWriter, r *http.Request, err error) {
	c.log.ErrorContext(r.Context(), "console request failed", "route", r.Pattern, "err", err)
	c.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on the server; it has been logged.")
}

func (c *console) notFound(w http.ResponseWriter, r *http.Request) {
	c.errorPage(w, r, http.StatusNotFound, "There is no such page.")
}

// done sends the browser back to a page after a form did its work, with
// a short note the page shows (post, redirect, get).
func done(w http.ResponseWriter, r *http.Request, to, note string) {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	http.Redirect(w, r, to+sep+"done="+url.QueryEscape(note), http.StatusSeeOther)
}

// toText shows a setting's value: text as it is, anything else as JSON.
func toText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

var funcs = template.FuncMap{
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"ago": func(now, t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return now.Sub(t).Round(time.Second).String() + " ago"
	},
	"dur": func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"pretty": func(b json.RawMessage) string {
		var out bytes.Buffer
		if len(b) == 0 || json.Indent(&out, b, "", "  ") != nil {
			return string(b)
		}
		return out.String()
	},
	"join":   strings.Join,
	"status": statusWord,
	// dict passes several values to a partial template.
	// requestKey names one rendering of a form: submitting that form
	// twice (a double click, a browser resending after a timeout) adds
	// its comment once.
	"requestKey": rand.Text,
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"yesno": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
}
