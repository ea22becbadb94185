package elastic

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// setTags is POST /api/detection_engine/signals/tags (SetAlertTags): add
// and remove workflow tags on alerts by id. A tag both added and removed
// is refused with the route's own message, an array.
func (e *Emulator) setTags(w http.ResponseWriter, r *http.Request) {
	body, msg := readObject(r)
	if msg != "" {
		e.badBody(w, r, msg)
		return
	}
	ids, msg := stringList("ids", body["ids"])
	if msg != "" {
		e.badBody(w, r, msg)
		return
	}
	tags, ok := body["tags"].(map[string]any)
	if !ok {
		e.badBody(w, r, expected("tags", "object", body["tags"]))
		return
	}
	add, msg := tagList("tags.tags_to_add", tags["tags_to_add"])
	if msg == "" {
		var remove []string
		remove, msg = tagList("tags.tags_to_remove", tags["tags_to_remove"])
		if msg == "" {
			e.applyTags(w, r, ids, add, remove)
			return
		}
	}
	e.badBody(w, r, msg)
}

func tagList(field string, v any) ([]string, string) {
	arr, ok := v.([]any)
	if !ok {
		return nil, expected(field, "array", v)
	}
	out := make([]string, 0, len(arr))
	for i, t := range arr {
		s, ok := t.(string)
		if !ok || s == "" {
			return nil, fmt.Sprintf("%s.%d: String must contain at least 1 character(s)", field, i)
		}
		out = append(out, s)
	}
	return out, ""
}

func (e *Emulator) applyTags(w http.ResponseWriter, r *http.Request, ids, add, remove []string) {
	var dup []string
	for _, t := range add {
		if slices.Contains(remove, t) {
			dup = append(dup, fmt.Sprintf("%q", t))
		}
	}
	if len(dup) > 0 {
		e.siem(w, r, http.StatusBadRequest, []string{fmt.Sprintf("Duplicate tags [%s] were found in the tags_to_add and tags_to_remove parameters.", strings.Join(dup, ","))})
		return
	}
	list := make([]any, len(ids))
	for i, id := range ids {
		list[i] = id
	}
	query := map[string]any{"bool": map[string]any{"filter": map[string]any{"ids": map[string]any{"values": list}}}}
	space := spaceOf(r)
	find := func(now time.Time) ([]*doc, error) { return e.matchLocked(space, query, now) }
	resp, err := e.byQuery(find, "abort", func(d *doc, _ string) {
		var cur []string
		for _, v := range values(d.source, fieldTags) {
			if s, ok := v.(string); ok && !slices.Contains(remove, s) && !slices.Contains(cur, s) {
				cur = append(cur, s)
			}
		}
		for _, t := range add {
			if !slices.Contains(cur, t) {
				cur = append(cur, t)
			}
		}
		out := make([]any, len(cur))
		for i, s := range cur {
			out[i] = s
		}
		d.source[fieldTags] = out
	})
	if err != nil {
		e.siem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	emukit.WriteJSON(w, http.StatusOK, resp)
}
