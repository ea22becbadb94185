package defendercloud

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
)

// The Defender for Cloud list API has no $filter and no change feed, so
// every poll walks all alerts of the subscription. The cursor remembers a
// compact digest of what the last complete walk saw: for each alert, 8
// bytes of sha256(systemAlertId) and 4 bytes of sha256(status and the
// timestamps Defender for Cloud moves on updates). A walk returns only the
// alerts whose digest entry is missing or different: new or changed ones.
// A time watermark would not do: a status change (the very thing the
// Sentinel gap is about) moves no timestamp in the alert.
//
// One FetchAlerts call reads one ARM page. Mid-walk the cursor also holds
// the digest of the walk so far and the nextLink to continue from, so the
// engine stores progress after every page and a restart resumes there. An
// alert already delivered in this walk is not delivered again when paging
// shifts it onto a later page. The digest costs 12 bytes (16 in base64)
// per alert; 10,000 alerts make a cursor of about 160 KB.
type cursor struct {
	V    int    `json:"v"`
	Done string `json:"done,omitempty"` // digest of the last complete walk
	Walk string `json:"walk,omitempty"` // digest of the current walk so far
	Next string `json:"next,omitempty"` // nextLink of the current walk
}

const cursorVersion = 1

// digest maps an alert id hash to its state hash.
type digest map[uint64]uint32

func idHash(systemAlertID string) uint64 {
	s := sha256.Sum256([]byte(systemAlertID))
	return binary.BigEndian.Uint64(s[:8])
}

func stateHash(fp string) uint32 {
	s := sha256.Sum256([]byte(fp))
	return binary.BigEndian.Uint32(s[:4])
}

// encode writes the digest sorted by id hash, so equal digests give equal
// cursors.
func (d digest) encode() string {
	if len(d) == 0 {
		return ""
	}
	keys := make([]uint64, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, 12*len(keys))
	for _, k := range keys {
		b = binary.BigEndian.AppendUint64(b, k)
		b = binary.BigEndian.AppendUint32(b, d[k])
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeDigest(s string) (digest, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b)%12 != 0 {
		return nil, fmt.Errorf("decode alert digest: malformed (%d bytes)", len(b))
	}
	d := make(digest, len(b)/12)
	for i := 0; i < len(b); i += 12 {
		d[binary.BigEndian.Uint64(b[i:])] = binary.BigEndian.Uint32(b[i+8:])
	}
	return d, nil
}

// state is a decoded cursor.
type state struct {
	done, walk digest
	next       string
}

func parseCursor(s string) (state, error) {
	st := state{done: digest{}, walk: digest{}}
	if s == "" {
		return st, nil
	}
	var c cursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion {
		return st, fmt.Errorf("decode cursor: not a version %d defendercloud cursor", cursorVersion)
	}
	var err error
	if st.done, err = decodeDigest(c.Done); err != nil {
		return st, err
	}
	if st.walk, err = decodeDigest(c.Walk); err != nil {
		return st, err
	}
	st.next = c.Next
	return st, nil
}

func (st state) String() string {
	c := cursor{V: cursorVersion, Done: st.done.encode(), Walk: st.walk.encode(), Next: st.next}
	b, _ := json.Marshal(c) // a struct of strings always marshals
	return string(b)
}
