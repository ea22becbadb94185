package connector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"

	"github.com/alertsync/alertsync/internal/model"
)

// A write whose answer was lost (the process died after sending it, the
// connection was cut, the vendor answered 5xx after applying it) has an
// unknown outcome: sent again blindly, a vendor without idempotency keys
// shows the comment twice or notes the state change twice. Before the
// outbox sends such a write again, the engine asks the vendor whether the
// earlier attempt landed, through these optional capabilities. A first
// attempt is never checked: it cannot have landed before.

// StateChecker reads an object's current state at the vendor, in the
// terms the connector writes, to tell whether a StateChange is already
// applied: the status, and the classification or determination (or
// resolution tag) the connector would have set with it.
type StateChecker interface {
	// StateApplied reports whether the vendor holds what SetState(ch)
	// would write, and the vendor's status in the terms SetState reports
	// (RemoteState.RemoteStatus), so the echo ledger can recognise the
	// value when a poll brings it back. When not applied, the returned
	// state may be empty.
	StateApplied(ctx context.Context, ch StateChange) (bool, RemoteState, error)
}

// CommentChecker tells whether a comment written from an action is
// already on its object. Comments carry the action's marker
// (CommentMarker), and the check looks for the marker, not the full text:
// vendors trim whitespace, and people's consoles may re-render text.
type CommentChecker interface {
	CommentApplied(ctx context.Context, c CommentAction) (bool, error)
}

// Replay is how a vendor takes a write that arrives a second time.
type Replay int

// Replay kinds, from least to most forgiving.
const (
	// ReplayDuplicates: the vendor applies the repeat again (a second
	// comment, a second state change in the object's history). It is
	// the default: a repeat is sent only once a check says the earlier
	// attempt did not land.
	ReplayDuplicates Replay = iota
	// ReplayHarmless: a repeat sets the same values again and leaves the
	// object as one write would. The engine checks first all the same,
	// and a failed check waits and checks again, as for the others: the
	// vendor would still see the write twice (its history, its audit
	// log), and a vendor that fails the read is failing the write too.
	ReplayHarmless
	// ReplayDeduplicated: the vendor itself recognises the repeat (an
	// idempotency key it honours, a client-chosen comment id) and keeps
	// one. No check is needed, so none is made.
	ReplayDeduplicated
)

// Replays says how the vendor takes each kind of repeated write.
type Replays struct {
	State   Replay
	Comment Replay
}

// ReplayReporter is implemented by connectors whose vendor is more
// forgiving of repeated writes than ReplayDuplicates.
type ReplayReporter interface {
	Replays() Replays
}

// ReplaysOf returns how c's vendor takes repeated writes.
func ReplaysOf(c Connector) Replays {
	if r, ok := c.(ReplayReporter); ok {
		return r.Replays()
	}
	return Replays{}
}

// CommentMarker is the tag alertsync appends to every comment (and to the
// comment part of a state write) it posts to a vendor without
// client-chosen comment ids: "[alertsync:" and 12 hex digits of the
// SHA-256 of the action's idempotency key, so the same action always
// carries the same marker. It says who wrote the comment in the console,
// and a CommentChecker finds it to tell that an earlier attempt landed.
func CommentMarker(idempotencyKey string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return "[alertsync:" + hex.EncodeToString(sum[:])[:12] + "]"
}

// MarkerRoom is how many characters Marked adds to a text: a space and
// the marker. FitComment keeps that room free so the marker survives a
// vendor's length limit.
const MarkerRoom = 1 + len("[alertsync:") + 12 + len("]")

// Marked is text with the marker of idempotencyKey appended.
func Marked(text, idempotencyKey string) string {
	return text + " " + CommentMarker(idempotencyKey)
}

// FitComment shortens text alertsync writes to a vendor's comment length
// limit, with a visible truncation mark, leaving MarkerRoom for the
// marker the connector appends: a truncated comment still ends with its
// marker, so it can still be found.
func FitComment(text string, l CommentLimits) string {
	if l.MaxChars <= 0 {
		return text
	}
	limit := max(l.MaxChars-MarkerRoom, utf8.RuneCountInString(model.TruncationMarker))
	text, _ = model.TruncateChars(text, limit)
	return text
}
