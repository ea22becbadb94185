package o365

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// window is a content listing's time range, as asked for (raw, echoed in
// NextPageUri) and as read.
type window struct {
	rawStart, rawEnd string
	start, end       time.Time
}

// timeLayouts are the three formats the reference accepts, all UTC.
var timeLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

func parseTime(v string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// readWindow checks startTime and endTime: both or neither (neither means
// the 24 hours before now), each in a documented format, start before
// end, at most 24 hours apart, start no more than 7 days ago.
func readWindow(w http.ResponseWriter, q url.Values, now time.Time) (window, bool) {
	win := window{rawStart: q.Get("startTime"), rawEnd: q.Get("endTime")}
	if (win.rawStart == "") != (win.rawEnd == "") {
		writeError(w, http.StatusBadRequest, "AF20030", msgWindowBoth)
		return win, false
	}
	if win.rawStart == "" {
		win.end = now
		win.start = now.Add(-24 * time.Hour)
		win.rawStart, win.rawEnd = win.start.Format(timeLayouts[0]), win.end.Format(timeLayouts[0])
		return win, true
	}
	var ok bool
	if win.start, ok = parseTime(win.rawStart); !ok {
		invalidParam(w, "startTime", "datetime")
		return win, false
	}
	if win.end, ok = parseTime(win.rawEnd); !ok {
		invalidParam(w, "endTime", "datetime")
		return win, false
	}
	if !win.start.Before(win.end) || win.end.Sub(win.start) > 24*time.Hour || win.start.Before(now.Add(-Retention)) {
		writeError(w, http.StatusBadRequest, "AF20055", msgWindow)
		return win, false
	}
	return win, true
}

// content lists the blobs that became available in the window, a page at
// a time, with NextPageUri (in the /api/v1/ form of the reference's
// sample, without PublisherIdentifier) while more remain.
func (e *Emulator) content(w http.ResponseWriter, r *http.Request) {
	ct, ok := contentType(w, r)
	if !ok || !e.subscribed(w, ct) {
		return
	}
	q := r.URL.Query()
	now := e.clock.Now().UTC()
	win, ok := readWindow(w, q, now)
	if !ok {
		return
	}
	offset := 0
	if np := q.Get("nextPage"); np != "" {
		if offset, ok = parseNextPage(np); !ok {
			writeError(w, http.StatusBadRequest, "AF20031", "Invalid nextPage Input: "+np+".")
			return
		}
	}
	page, more := e.page(ct, win, offset, now, emukit.RequestBase(r, e.opts.BaseURL)+"/api/v1.0/"+r.PathValue("tenant"))
	if more {
		w.Header().Set("NextPageUri", e.nextPageURI(r, ct, win, offset+len(page)))
	}
	emukit.WriteJSON(w, http.StatusOK, page)
}

// subscribed answers AF20022 or AF20023 unless ct's subscription is
// enabled.
func (e *Emulator) subscribed(w http.ResponseWriter, ct string) bool {
	e.mu.Lock()
	s, ok := e.subs[ct]
	var status, by string
	if ok {
		status, by = s.status, s.disabledBy
	}
	e.mu.Unlock()
	switch {
	case !ok:
		writeError(w, http.StatusBadRequest, "AF20022", "No subscription found for the specified content type.")
	case status != "enabled":
		writeError(w, http.StatusBadRequest, "AF20023", "The subscription was disabled by "+by+".")
	default:
		return true
	}
	return false
}

// page returns the listed blobs of ct created in the window, from offset
// on, and whether more follow.
func (e *Emulator) page(ct string, win window, offset int, now time.Time, root string) ([]contentWire, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var in []*blob
	for _, b := range e.listedLocked(now) {
		if b.contentType == ct && !b.created.Before(win.start) && b.created.Before(win.end) {
			in = append(in, b)
		}
	}
	lo, hi, more := emukit.Page(len(in), offset, e.opts.PageSize, e.opts.PageSize)
	out := make([]contentWire, 0, hi-lo)
	for _, b := range in[lo:hi] {
		out = append(out, contentWire{
			ContentType: ct, ContentID: b.id, ContentURI: root + "/activity/feed/audit/" + b.id,
			ContentCreated: b.created.UTC().Format(contentTime), ContentExpiration: b.expires.UTC().Format(contentTime),
		})
	}
	return out, more
}

// nextPageURI repeats the request's window with the next page's marker,
// shaped like the reference's "...&nextPage=2015101900R022885001761".
func (e *Emulator) nextPageURI(r *http.Request, ct string, win window, offset int) string {
	q := url.Values{}
	q.Set("contentType", ct)
	q.Set("startTime", win.rawStart)
	q.Set("endTime", win.rawEnd)
	q.Set("nextPage", fmt.Sprintf("%sR%012d", win.start.Format("2006010215"), offset))
	base := emukit.RequestBase(r, e.opts.BaseURL)
	return base + "/api/v1/" + r.PathValue("tenant") + "/activity/feed/subscriptions/content?" + q.Encode()
}

func parseNextPage(v string) (int, bool) {
	_, n, ok := strings.Cut(v, "R")
	if !ok {
		return 0, false
	}
	off, err := strconv.Atoi(n)
	return off, err == nil && off >= 0
}
