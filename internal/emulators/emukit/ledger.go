package emukit

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// What a client write changed.
const (
	WriteState   = "state"
	WriteComment = "comment"
)

// Write is one client write an emulator applied to one object.
type Write struct {
	Kind  string // the object's kind, as the registry spells it ("alert", "incident")
	ID    string // the vendor's id for it
	Field string // WriteState or WriteComment
	// Value is what was written: a comment's text, or the state write's
	// fields as canonical JSON.
	Value string
	// Comment is the comment a state write carried, if any.
	Comment string
	// Duplicate marks a write the vendor had already applied: the same
	// comment on the same object, or the same state write again with
	// nothing else changing the object in between.
	Duplicate bool
	At        time.Time
}

// Ledger records the writes an emulator applied, in one place for every
// vendor, so a fault suite can count what a vendor's console holds twice:
// comments by content per object, state writes by object (a write
// applied twice counts once as a duplicate). Emulators record a write
// only once it is applied, whatever happens to its answer after.
type Ledger struct {
	clock Clock

	mu        sync.Mutex
	writes    []Write
	lastState map[string]string // kind:id -> last state write, until another change
	comments  map[string]bool   // kind:id + text
}

// NewLedger returns an empty ledger.
func NewLedger(clock Clock) *Ledger {
	return &Ledger{clock: orReal(clock), lastState: map[string]string{}, comments: map[string]bool{}}
}

// State records a state write to an object: fields is what the client
// set (a struct or map, encoded as canonical JSON; maps sort their keys),
// so one write repeated is seen as such.
func (l *Ledger) State(kind, id string, fields any) { l.Apply(kind, id, fields, "") }

// Comment records a comment a client added to an object.
func (l *Ledger) Comment(kind, id, text string) { l.Apply(kind, id, nil, text) }

// Apply records one client write to an object that set fields (nil:
// none) and added a comment (empty: none), as a vendor whose state write
// carries a comment takes both at once. Repeated, it counts once as a
// duplicate.
func (l *Ledger) Apply(kind, id string, fields any, comment string) {
	w := Write{Kind: kind, ID: id}
	if fields != nil {
		w.Field, w.Value = WriteState, canonical(fields)
	}
	if comment != "" {
		w.Comment = comment
		if w.Field == "" {
			w.Field, w.Value = WriteComment, comment
		}
	}
	if w.Field == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	key := kind + ":" + id
	if fields != nil {
		last, ok := l.lastState[key]
		l.lastState[key] = w.Value
		w.Duplicate = ok && last == w.Value
	}
	if comment != "" {
		ck := key + "\x00" + comment
		w.Duplicate = w.Duplicate || l.comments[ck]
		l.comments[ck] = true
	}
	l.appendLocked(w)
}

// Changed notes a change to an object that no client wrote (the vendor's
// own user, or the vendor itself): a state write after it is not a
// repeat of the one before it.
func (l *Ledger) Changed(kind, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.lastState, kind+":"+id)
}

func (l *Ledger) appendLocked(w Write) {
	w.At = l.clock.Now()
	l.writes = append(l.writes, w)
}

// Writes returns every recorded write, oldest first.
func (l *Ledger) Writes() []Write {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Write(nil), l.writes...)
}

// Duplicates counts the writes applied twice, state writes (those that
// carried a comment included) and comments.
func (l *Ledger) Duplicates() (states, comments int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range l.writes {
		switch {
		case !w.Duplicate:
		case w.Field == WriteState:
			states++
		default:
			comments++
		}
	}
	return states, comments
}

// Reset forgets every recorded write.
func (l *Ledger) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes, l.lastState, l.comments = nil, map[string]string{}, map[string]bool{}
}

// canonical is v as JSON with sorted keys; a string or bytes that hold
// JSON are decoded first, other strings kept as they are.
func canonical(v any) string {
	switch x := v.(type) {
	case string:
		return canonicalText([]byte(x))
	case []byte:
		return canonicalText(x)
	case json.RawMessage:
		return canonicalText(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return canonicalText(b)
}

func canonicalText(b []byte) string {
	var x any
	if json.Unmarshal(b, &x) != nil {
		return string(b)
	}
	out, err := json.Marshal(x)
	if err != nil {
		return string(b)
	}
	return string(out)
}

// Ledgered is an emulator that records the writes it applies.
type Ledgered interface {
	Ledger() *Ledger
}

// TokenLifetime is a token issuer whose access tokens' lifetime can be
// shortened at runtime, so a client must renew them often (a fault
// suite expires them every minute).
type TokenLifetime interface {
	// SetTokenLifetime makes tokens issued from now on live d; zero
	// restores the issuer's own lifetime.
	SetTokenLifetime(d time.Duration)
	// TokensExpired counts the tokens issued whose lifetime has ended.
	TokensExpired() int
}
