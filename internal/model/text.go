package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on the text alertsync keeps and accepts. They are the same in
// every store and on every route, so SQLite and PostgreSQL cannot disagree
// about what fits: API input over a limit is refused (400 naming the field
// and the limit); a vendor payload over a limit is stored truncated with a
// marker and the alert notes it. Lengths are in bytes of UTF-8.
const (
	MaxTitleLen       = 1024
	MaxDescriptionLen = 64 << 10
	MaxReasonLen      = 4096
	MaxCommentLen     = 10000
	// MaxVendorIDLen bounds a vendor's object id. An id cannot be
	// truncated without breaking dedupe and write-back, so an item over it
	// is quarantined instead.
	MaxVendorIDLen = 512
	// MaxShortLen bounds the other short vendor strings (status, source,
	// parent id).
	MaxShortLen = 256
	// MaxEntities bounds each entity list (hosts, users, IPs, hashes,
	// processes, the alert's tags); MaxEntityLen each value.
	MaxEntities  = 256
	MaxEntityLen = 512
	// MaxRawLen bounds the vendor payload kept verbatim.
	MaxRawLen = 1 << 20
)

// TruncationMarker ends every text alertsync shortened, so a reader can
// tell the text is not whole.
const TruncationMarker = " … [truncated by alertsync]"

// CleanText replaces NUL bytes and invalid UTF-8 with U+FFFD and reports
// whether it changed anything. Vendor text goes through it before it is
// stored: PostgreSQL refuses both in text columns, and SQLite would keep
// bytes no reader can display.
func CleanText(s string) (string, bool) {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s, false
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD"), true
}

// TruncateBytes shortens s to at most max bytes, cutting on a rune
// boundary and ending with TruncationMarker, and reports whether it cut.
func TruncateBytes(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	keep := max - len(TruncationMarker)
	if keep < 0 {
		keep = 0
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + TruncationMarker, true
}

// TruncateChars shortens s to at most max characters (runes), for vendors
// whose limits count characters (Sentinel's 30,000 per comment), ending
// with TruncationMarker.
func TruncateChars(s string, max int) (string, bool) {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s, false
	}
	keep := max - utf8.RuneCountInString(TruncationMarker)
	if keep < 0 {
		keep = 0
	}
	i := 0
	for n := 0; n < keep && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + TruncationMarker, true
}

// TextError is API input that breaks the text policy; it names the field.
type TextError struct {
	Field   string
	Problem string
}

func (e *TextError) Error() string { return e.Field + ": " + e.Problem }

// CheckText checks one field of API input: valid UTF-8, no NUL byte, at
// most max bytes (max 0 means no length limit).
func CheckText(field, s string, max int) error {
	switch {
	case !utf8.ValidString(s):
		return &TextError{Field: field, Problem: "is not valid UTF-8"}
	case strings.IndexByte(s, 0) >= 0:
		return &TextError{Field: field, Problem: "contains a NUL byte"}
	case max > 0 && len(s) > max:
		return &TextError{Field: field, Problem: fmt.Sprintf("is %d bytes, over the limit of %d", len(s), max)}
	}
	return nil
}

// sanitizer applies the text policy to the fields of one vendor object and
// collects a note for every field it had to change.
type sanitizer struct{ notes []string }

func (z *sanitizer) text(field string, s *string, max int) {
	var cleaned, cut bool
	*s, cleaned = CleanText(*s)
	*s, cut = TruncateBytes(*s, max)
	if cleaned {
		z.notes = append(z.notes, field+": NUL bytes or invalid UTF-8 replaced with U+FFFD")
	}
	if cut {
		z.notes = append(z.notes, fmt.Sprintf("%s: truncated to %d bytes", field, max))
	}
}

func (z *sanitizer) list(field string, vals *[]string, maxCount int) {
	if maxCount > 0 && len(*vals) > maxCount {
		z.notes = append(z.notes, fmt.Sprintf("%s: %d values, kept the first %d", field, len(*vals), maxCount))
		*vals = (*vals)[:maxCount]
	}
	for i := range *vals {
		z.text(fmt.Sprintf("%s[%d]", field, i), &(*vals)[i], MaxEntityLen)
	}
}

func (z *sanitizer) raw(raw *json.RawMessage) {
	if len(*raw) == 0 {
		return
	}
	if !utf8.Valid(*raw) {
		*raw = bytes.ToValidUTF8(*raw, []byte("\uFFFD"))
		z.notes = append(z.notes, "raw: invalid UTF-8 replaced with U+FFFD")
	}
	if len(*raw) <= MaxRawLen {
		return
	}
	// The raw payload must stay one JSON value: what is kept up to the cap
	// travels as a string beside the original size.
	head, _ := TruncateBytes(string(*raw), MaxRawLen)
	b, _ := json.Marshal(struct {
		Truncated bool   `json:"alertsync_truncated"`
		Size      int    `json:"original_size"`
		Head      string `json:"head"`
	}{true, len(*raw), head})
	z.notes = append(z.notes, fmt.Sprintf("raw: %d bytes, kept the first %d", len(*raw), MaxRawLen))
	*raw = b
}

func (z *sanitizer) entities(e *Entities) {
	z.list("entities.hosts", &e.Hosts, MaxEntities)
	z.list("entities.users", &e.Users, MaxEntities)
	z.list("entities.ips", &e.IPs, MaxEntities)
	z.list("entities.file_hashes", &e.FileHashes, MaxEntities)
	z.list("entities.processes", &e.Processes, MaxEntities)
}

// CheckVendorID tells whether a vendor id can be stored and written back
// to: an id cannot be repaired, so a bad one quarantines its item.
func CheckVendorID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("vendor id is empty")
	case len(id) > MaxVendorIDLen:
		return fmt.Errorf("vendor id is %d bytes, over the limit of %d", len(id), MaxVendorIDLen)
	case !utf8.ValidString(id) || strings.IndexByte(id, 0) >= 0:
		return fmt.Errorf("vendor id contains a NUL byte or invalid UTF-8")
	}
	return nil
}

// Sanitize applies the text policy to a vendor alert: bad bytes replaced,
// long text truncated with a marker, and a note for each repair added to
// Notes (and returned), so the alert records that it was changed. Notes
// the connector wrote (a scope Lacework could not give) are kept, first.
func (a *Alert) Sanitize() []string {
	var z sanitizer
	z.text("title", &a.Title, MaxTitleLen)
	z.text("description", &a.Description, MaxDescriptionLen)
	z.text("source", &a.Source, MaxShortLen)
	z.text("remote_status", &a.RemoteStatus, MaxShortLen)
	z.text("remote_parent", &a.RemoteParent, MaxVendorIDLen)
	z.entities(&a.Entities)
	for i := range a.Notes {
		z.text(fmt.Sprintf("ingest_notes[%d]", i), &a.Notes[i], MaxReasonLen)
	}
	z.raw(&a.Raw)
	a.Notes = append(a.Notes, z.notes...)
	return z.notes
}

// Sanitize is Alert.Sanitize for incidents.
func (in *Incident) Sanitize() []string {
	var z sanitizer
	z.text("title", &in.Title, MaxTitleLen)
	z.text("description", &in.Description, MaxDescriptionLen)
	z.text("remote_status", &in.RemoteStatus, MaxShortLen)
	// Member ids are not capped in number: dropping one would orphan it.
	z.list("remote_alert_ids", &in.RemoteAlerts, 0)
	z.raw(&in.Raw)
	in.Notes = z.notes
	return z.notes
}

// Sanitize is Alert.Sanitize for audit-log records; the notes are
// returned only, as evidence carries no notes of its own.
func (e *Evidence) Sanitize() []string {
	var z sanitizer
	z.text("source", &e.Source, MaxShortLen)
	z.text("operation", &e.Operation, MaxShortLen)
	z.text("summary", &e.Summary, MaxTitleLen)
	z.text("result", &e.Result, MaxShortLen)
	z.entities(&e.Entities)
	z.raw(&e.Raw)
	return z.notes
}
