package o365

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// record is one audit record read leniently: its fields vary by workload
// and record type, and a value of an unexpected type must not cost the
// whole record.
type record map[string]json.RawMessage

// str renders a string, number or boolean field as text; anything else
// (null, an object, absent) is "".
func (r record) str(key string) string {
	raw, ok := r[key]
	if !ok {
		return ""
	}
	return text(raw)
}

func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var v any
	if json.Unmarshal(raw, &v) == nil {
		switch v.(type) {
		case float64, bool:
			return string(raw)
		}
	}
	return ""
}

// params reads a Collection(NameValuePair) field (Parameters,
// ExtendedProperties) as name -> text; an odd shape reads as empty.
func (r record) params(key string) map[string]string {
	var list []nameValue
	if json.Unmarshal(r[key], &list) != nil {
		return nil
	}
	out := make(map[string]string, len(list))
	for _, p := range list {
		out[p.Name] = text(p.Value)
	}
	return out
}

// recordTimes are CreationTime's spellings: the service writes UTC
// without a zone ("2015-06-29T20:03:19"), sometimes with fractions.
var recordTimes = []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"}

func parseRecordTime(v string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), connector.CheckTime("CreationTime", t) == nil
	}
	for _, l := range recordTimes {
		if t, err := time.ParseInLocation(l, v, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseContentTime reads a listing's contentCreated
// ("2015-05-23T17:35:00.000Z").
func parseContentTime(v string) (time.Time, bool) { return parseRecordTime(v) }

// mapRecord maps one audit record of content type ct. A record that is
// not an object, or lacks its Id or a readable CreationTime, keeps Raw
// and carries Err, so the engine quarantines it.
func mapRecord(integration, ct string, raw json.RawMessage) connector.EvidenceItem {
	it := connector.EvidenceItem{Raw: raw}
	var r record
	if err := json.Unmarshal(raw, &r); err != nil || r == nil {
		it.Err = errors.New("o365 audit record is not a JSON object")
		return it
	}
	it.VendorID = r.str("Id")
	created, ok := parseRecordTime(r.str("CreationTime"))
	switch {
	case it.VendorID == "":
		it.Err = errors.New("o365 audit record without an Id")
	case !ok:
		it.Err = fmt.Errorf("o365 audit record %s: CreationTime %q is not a time", it.VendorID, r.str("CreationTime"))
	}
	if it.Err != nil {
		return it
	}
	ents := entities(r)
	it.Evidence = &model.Evidence{
		Integration: integration, VendorID: it.VendorID, Source: ct, Operation: r.str("Operation"),
		Summary: summary(r, firstIP(r)), Result: r.str("ResultStatus"), OccurredAt: created,
		Entities: ents, Raw: raw,
	}
	return it
}

// systemUsers are UserId values that name no person.
var systemUsers = map[string]bool{"app@sharepoint": true, "securitycompliancealerts": true}

// entities are the users and addresses a record names. A user is its
// UPN and the UPN's local part, lower case, so an alert naming either
// links; an address loses the port Exchange writes after it.
func entities(r record) model.Entities {
	var e model.Entities
	addUser := func(v string) {
		v = strings.ToLower(strings.TrimSpace(v))
		local, domain, ok := strings.Cut(v, "@")
		if !ok || local == "" || domain == "" || strings.ContainsAny(v, `\ /`) || systemUsers[v] {
			return
		}
		e.Users = append(e.Users, v, local)
	}
	addUser(r.str("UserId"))
	if strings.EqualFold(r.str("EntityType"), "User") {
		addUser(r.str("AlertEntityId"))
	}
	for _, k := range []string{"ClientIP", "ActorIpAddress"} {
		if ip := normalizeIP(r.str(k)); ip != "" {
			e.IPs = append(e.IPs, ip)
		}
	}
	return e.Normalize()
}

// normalizeIP returns the address in s ("1.2.3.4", "1.2.3.4:5678",
// "2001:db8::1", "[2001:db8::1]:443"), IPv4-mapped addresses as IPv4, or
// "" when s holds none.
func normalizeIP(s string) string {
	s = strings.TrimSpace(s)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return ""
	}
	return a.Unmap().WithZone("").String()
}

// firstIP is the record's client address, as summaries show it.
func firstIP(r record) string {
	for _, k := range []string{"ClientIP", "ActorIpAddress"} {
		if ip := normalizeIP(r.str(k)); ip != "" {
			return ip
		}
	}
	return ""
}
