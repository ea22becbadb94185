package sentinelone

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// bulkBody is the {"filter":{...},"data":{...}} body every v2.1 bulk
// action takes. Both members are required.
type bulkBody struct {
	Filter map[string]json.RawMessage
	Data   map[string]json.RawMessage
}

func decodeBulk(r *http.Request) (bulkBody, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return bulkBody{}, refuse("body: could not be read")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(raw), &top); err != nil || top == nil {
		return bulkBody{}, refuse("body: Invalid JSON object.")
	}
	for _, k := range sortedKeys(top) {
		if k != "filter" && k != "data" {
			return bulkBody{}, refuse("%s: Unknown field.", k)
		}
	}
	var b bulkBody
	for name, dst := range map[string]*map[string]json.RawMessage{"filter": &b.Filter, "data": &b.Data} {
		v, ok := top[name]
		if !ok || string(v) == "null" {
			return bulkBody{}, refuse("%s: Missing data for required field.", name)
		}
		if err := json.Unmarshal(v, dst); err != nil || *dst == nil {
			return bulkBody{}, refuse("%s: Not a valid mapping type.", name)
		}
	}
	return b, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// scope is a checked write filter. SentinelOne applies a bulk action to
// every object the filter matches, so an empty filter would touch the
// whole console: the API requires ids or a scope (siteIds, accountIds,
// groupIds or tenant), and so does the emulator.
type scope struct {
	ids, sites, accounts, groups set
	tenant                       bool
	statuses, verdicts           set
}

// filterKeys names the filter members of one endpoint family.
type filterKeys struct {
	status, verdict     string
	statuses, verdicts  []string
	normalizeEnumValues func(string) string
}

var (
	threatFilter = filterKeys{"incidentStatuses", "analystVerdicts", threatList.statuses, threatList.verdicts, func(s string) string { return s }}
	cloudFilter  = filterKeys{"incidentStatus", "analystVerdict", cloudList.statuses, cloudList.verdicts, strings.ToUpper}
)

func (fk filterKeys) parse(f map[string]json.RawMessage) (scope, error) {
	var s scope
	lists := map[string]*set{"ids": &s.ids, "siteIds": &s.sites, "accountIds": &s.accounts, "groupIds": &s.groups,
		fk.status: &s.statuses, fk.verdict: &s.verdicts}
	for _, k := range sortedKeys(f) {
		if k == "tenant" {
			t, err := boolish(f[k])
			if err != nil {
				return s, refuse("filter.tenant: Not a valid boolean.")
			}
			s.tenant = t
			continue
		}
		dst, ok := lists[k]
		if !ok {
			return s, refuse("filter.%s: Unknown field.", k)
		}
		var vs []string
		if err := json.Unmarshal(f[k], &vs); err != nil {
			return s, refuse("filter.%s: Not a valid list of strings.", k)
		}
		*dst = set{}
		for _, v := range vs {
			(*dst)[fk.normalizeEnumValues(v)] = true
		}
	}
	if err := fk.checkEnums(s); err != nil {
		return s, err
	}
	if len(s.ids)+len(s.sites)+len(s.accounts)+len(s.groups) == 0 && !s.tenant {
		return s, refuse("filter: At least one of ids, siteIds, accountIds, groupIds or tenant is required.")
	}
	return s, nil
}

func (fk filterKeys) checkEnums(s scope) error {
	for v := range s.statuses {
		if !slices.Contains(fk.statuses, v) {
			return refuse("filter.%s: Must be one of: %s.", fk.status, strings.Join(fk.statuses, ", "))
		}
	}
	for v := range s.verdicts {
		if !slices.Contains(fk.verdicts, v) {
			return refuse("filter.%s: Must be one of: %s.", fk.verdict, strings.Join(fk.verdicts, ", "))
		}
	}
	return nil
}

// boolish reads true/false or their string forms: the fact sheet's sample
// sends "tenant": "true".
func boolish(raw json.RawMessage) (bool, error) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || (s != "true" && s != "false") {
		return false, errors.New("not a boolean")
	}
	return s == "true", nil
}

// matches reports whether a record with these attributes is in scope.
func (s scope) matches(id, site, account, group, status, verdict string) bool {
	for _, c := range []struct {
		s set
		v string
	}{{s.ids, id}, {s.sites, site}, {s.accounts, account}, {s.groups, group}, {s.statuses, status}, {s.verdicts, verdict}} {
		if c.s != nil && !c.s[c.v] {
			return false
		}
	}
	return true
}

// dataEnum reads data member key, required or not, as one of the write
// tokens of allowed (a map from token to read-back spelling). Write
// tokens are taken in lower or upper case when upper is set (the
// cloud-detection endpoints' swagger lists both); data members other than
// keys are refused.
func dataEnum(data map[string]json.RawMessage, keys []string, key string, allowed map[string]string, upper, required bool) (string, bool, error) {
	for _, k := range sortedKeys(data) {
		if !slices.Contains(keys, k) {
			return "", false, refuse("data.%s: Unknown field.", k)
		}
	}
	raw, ok := data[key]
	if !ok {
		if required {
			return "", false, refuse("data.%s: Missing data for required field.", key)
		}
		return "", false, nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", false, refuse("data.%s: Not a valid string.", key)
	}
	tok := v
	if upper && v == strings.ToUpper(v) {
		tok = strings.ToLower(v)
	}
	if _, ok := allowed[tok]; !ok || (!upper && v != tok) {
		names := make([]string, 0, len(allowed))
		for k := range allowed {
			names = append(names, k)
		}
		sort.Strings(names)
		return "", false, refuse("data.%s: Must be one of: %s.", key, strings.Join(names, ", "))
	}
	return tok, true, nil
}
