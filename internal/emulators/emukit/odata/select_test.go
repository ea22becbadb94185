package odata

import "testing"

func TestSelect(t *testing.T) {
	t.Parallel()
	items := []map[string]any{{"s": "New", "n": 1}, {"s": "new", "n": 2}, {"s": "Closed", "n": 3}}
	value := func(it map[string]any, f string) any { return it[f] }
	clauses, err := ParseFilter("s eq 'new'")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := Select(items, clauses, value, false); len(got) != 1 || got[0]["n"] != 2 {
		t.Fatalf("exact: %v", got)
	}
	if got, _ := Select(items, clauses, value, true); len(got) != 2 {
		t.Fatalf("fold case: %v", got)
	}
	bad, _ := ParseFilter("s eq 'zzz' and n eq true")
	if _, err := Select(items, bad, value, false); err == nil {
		t.Fatal("a bad later clause passed because an earlier one failed")
	}
}
