package emukit

import (
	"strings"
	"testing"
	"time"
)

type record struct {
	ID   string
	Tags []string
	At   *time.Time
}

func (r record) clone() record {
	r.Tags = append([]string{}, r.Tags...)
	return r
}

func TestCopies(t *testing.T) {
	t.Parallel()
	m := map[string]*record{"b": {ID: "b", Tags: []string{"x"}}, "a": {ID: "a"}}
	got, ok := CopyOf(m, "b", record.clone)
	if !ok || got.ID != "b" {
		t.Fatalf("CopyOf b: %+v %v", got, ok)
	}
	got.Tags[0] = "changed"
	if m["b"].Tags[0] != "x" {
		t.Fatal("copy shares the store's slice")
	}
	if _, ok := CopyOf(m, "zz", record.clone); ok {
		t.Fatal("CopyOf found a missing key")
	}
	all := SortedCopies(m, record.clone, func(x, y record) int { return strings.Compare(x.ID, y.ID) })
	if len(all) != 2 || all[0].ID != "a" || all[1].ID != "b" {
		t.Fatalf("SortedCopies: %+v", all)
	}
	deep := DeepCopy(map[string]any{"n": []any{"v"}})
	if deep["n"].([]any)[0] != "v" {
		t.Fatalf("DeepCopy: %v", deep)
	}
}

func TestStampResolved(t *testing.T) {
	t.Parallel()
	var at *time.Time
	StampResolved(&at, true, t0)
	if at == nil || !at.Equal(t0) {
		t.Fatalf("first resolve: %v", at)
	}
	StampResolved(&at, true, t0.Add(time.Hour))
	if !at.Equal(t0) {
		t.Fatalf("still resolved moved the stamp: %v", at)
	}
	StampResolved(&at, false, t0.Add(time.Hour))
	if at != nil {
		t.Fatalf("reopened kept the stamp: %v", at)
	}
}
