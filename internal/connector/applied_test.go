package connector_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alertsync/alertsync/internal/connector"
)

// TestMarkerSurvivesLimits: a text fitted to a vendor's length limit and
// then marked stays within the limit and still ends with its marker.
func TestMarkerSurvivesLimits(t *testing.T) {
	t.Parallel()
	mark := connector.CommentMarker("tenant/edr/alert/a1/comment/7")
	if mark != connector.CommentMarker("tenant/edr/alert/a1/comment/7") || len(mark) != connector.MarkerRoom-1 ||
		!strings.HasPrefix(mark, "[alertsync:") || mark == connector.CommentMarker("tenant/edr/alert/a1/comment/8") {
		t.Fatalf("marker %q: want a stable [alertsync:…] tag of %d characters, one per key", mark, connector.MarkerRoom-1)
	}
	tests := []struct {
		name  string
		text  string
		limit int
		cut   bool
	}{
		{"no limit", strings.Repeat("é", 5000), 0, false},
		{"within the limit", "short", 100, false},
		{"exactly at the limit with the marker", strings.Repeat("x", 100-connector.MarkerRoom), 100, false},
		{"one over", strings.Repeat("x", 101-connector.MarkerRoom), 100, true},
		{"multi-byte text far over", strings.Repeat("ü", 40000), 30000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fitted := connector.FitComment(tt.text, connector.CommentLimits{MaxChars: tt.limit})
			got := connector.Marked(fitted, "tenant/edr/alert/a1/comment/7")
			if !strings.HasSuffix(got, " "+mark) {
				t.Errorf("marked text does not end with its marker: …%q", got[max(0, len(got)-40):])
			}
			if n := utf8.RuneCountInString(got); tt.limit > 0 && n > tt.limit {
				t.Errorf("%d characters, over the limit of %d", n, tt.limit)
			}
			if cut := fitted != tt.text; cut != tt.cut {
				t.Errorf("text cut = %v, want %v", cut, tt.cut)
			}
		})
	}
}
