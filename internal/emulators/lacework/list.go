package lacework

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// defaultWindow is what a listing without startTime and endTime covers
// [U: undocumented; 24 hours is what the FortiCNAPP console shows].
const defaultWindow = 24 * time.Hour

// paging is the v2 paging object (the SDK's V2Pagination).
type paging struct {
	Rows      int  `json:"rows"`
	TotalRows int  `json:"totalRows"`
	URLs      urls `json:"urls"`
}

type urls struct {
	NextPage *string `json:"nextPage"`
}

// listReply is GET /api/v2/Alerts's answer.
type listReply struct {
	Paging paging `json:"paging"`
	Data   []item `json:"data"`
}

// list serves GET /api/v2/Alerts: the alerts whose startTime is inside
// [startTime, endTime] (both RFC 3339), oldest first, a page at a time;
// paging.urls.nextPage is the absolute URL of the next page, null on the
// last. A window longer than seven days, reaching back more than 92 days,
// or with its ends reversed is refused with 400 [U: the messages].
func (e *Emulator) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, err := e.window(q)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	offset, err := pageOffset(q.Get("pageToken"))
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	e.mu.Lock()
	sel := e.sortedLocked(from, to)
	lo, hi, more := emukit.Page(len(sel), offset, e.opts.PageSize, e.opts.PageSize)
	data := make([]item, 0, hi-lo)
	for _, a := range sel[lo:hi] {
		data = append(data, a.item())
	}
	e.mu.Unlock()
	rep := listReply{Paging: paging{Rows: len(data), TotalRows: len(sel)}, Data: data}
	if more {
		next := emukit.RequestBase(r, "") + "/api/v2/Alerts?" + url.Values{
			"startTime": {wireTime(from)}, "endTime": {wireTime(to)}, "pageToken": {pageToken(hi)},
		}.Encode()
		rep.Paging.URLs.NextPage = &next
	}
	emukit.WriteJSON(w, http.StatusOK, rep)
}

// window reads startTime and endTime.
func (e *Emulator) window(q url.Values) (from, to time.Time, err error) {
	now := e.clock.Now().UTC()
	s, t := q.Get("startTime"), q.Get("endTime")
	switch {
	case s == "" && t == "":
		return now.Add(-defaultWindow), now, nil
	case s == "" || t == "":
		return from, to, errors.New("startTime and endTime must be given together")
	}
	if from, err = parseTime(s); err != nil {
		return from, to, fmt.Errorf("startTime: %w", err)
	}
	if to, err = parseTime(t); err != nil {
		return from, to, fmt.Errorf("endTime: %w", err)
	}
	switch {
	case to.Before(from):
		return from, to, errors.New("endTime must not be before startTime")
	case to.Sub(from) > MaxWindow:
		return from, to, errors.New("the time window must not exceed 7 days")
	case from.Before(now.Add(-MaxHistory)):
		return from, to, errors.New("startTime must be within the last 92 days")
	}
	return from, to, nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

// pageToken is an opaque token naming where the next page starts [U: the
// token's form; Lacework's nextPage is only documented as an absolute
// URL to GET].
func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ALERTS_" + strconv.Itoa(offset)))
}

func pageOffset(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	n, convErr := strconv.Atoi(strings.TrimPrefix(string(b), "ALERTS_"))
	if err != nil || convErr != nil || !strings.HasPrefix(string(b), "ALERTS_") || n < 0 {
		return 0, errors.New("invalid page token")
	}
	return n, nil
}
