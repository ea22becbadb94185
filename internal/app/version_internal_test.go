package app

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	t.Parallel()
	stamped := func(version string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/alertsync/alertsync", Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	const rev = "bf21a61095a2adfadc54a13a8a4de6fe27b61739"
	tests := []struct {
		name     string
		override string
		bi       *debug.BuildInfo
		want     string
	}{
		{"ldflags win", "v1.2.3", stamped("v0.0.0-x", "vcs.revision", rev), "v1.2.3"},
		{"pseudo-version names the revision", "", stamped("v0.0.0-20261206051229-bf21a61095a2+dirty", "vcs.revision", rev, "vcs.modified", "true"), "v0.0.0-20261206051229-bf21a61095a2+dirty"},
		{"tag plus revision", "", stamped("v1.4.0", "vcs.revision", rev), "v1.4.0 bf21a61095a2"},
		{"devel, modified", "", stamped("(devel)", "vcs.revision", rev, "vcs.modified", "true"), "(devel) bf21a61095a2+dirty"},
		{"nothing stamped", "", stamped("(devel)"), "(devel)"},
		{"no build info", "", nil, "(unknown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := buildVersion(tt.override, tt.bi); got != tt.want {
				t.Errorf("buildVersion = %q, want %q", got, tt.want)
			}
		})
	}
	report := versionReport("", stamped("(devel)", "vcs.revision", rev, "vcs.time", "2026-12-06T05:12:29Z"))
	for _, w := range []string{"alertsync (devel) bf21a61095a2\n", "module    github.com/alertsync/alertsync (devel)\n",
		"revision  " + rev + " (2026-12-06T05:12:29Z)\n", "go        go1.26.8\n"} {
		if !strings.Contains(report, w) {
			t.Errorf("report lacks %q:\n%s", w, report)
		}
	}
}
