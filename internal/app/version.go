package app

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Version, when a release build sets it with
//
//	-ldflags "-X github.com/alertsync/alertsync/internal/app.Version=v1.2.3"
//
// is the version alertsync reports. Left unset, the version comes from
// the build info Go stamps into every binary (see BuildVersion), so a
// binary built from a checkout still says which commit it is.
var Version = ""

// BuildVersion is the version alertsync reports in its start line, the
// API's /healthz and `alertsync version`: Version when set at build time,
// else the main module's version from the build info ("(devel)" when Go
// had none to stamp) followed by the abbreviated VCS revision.
func BuildVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(Version, bi)
}

func buildVersion(override string, bi *debug.BuildInfo) string {
	if override != "" {
		return override
	}
	if bi == nil {
		return "(unknown)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	// A pseudo-version (v0.0.0-20250101000000-abcdef123456+dirty) already
	// names the revision; a tag or "(devel)" does not.
	if rev, modified := vcsRevision(bi); rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		v += " " + rev[:min(12, len(rev))]
		if modified {
			v += "+dirty"
		}
	}
	return v
}

// versionReport is what `alertsync version` prints: the version line, the
// module, the VCS revision and time, and the Go toolchain.
func versionReport(override string, bi *debug.BuildInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "alertsync %s\n", buildVersion(override, bi))
	if bi == nil {
		return b.String()
	}
	fmt.Fprintf(&b, "module    %s %s\n", bi.Main.Path, orUnknown(bi.Main.Version))
	rev, modified := vcsRevision(bi)
	if rev == "" {
		b.WriteString("revision  unknown (not stamped: built outside a git checkout, with -buildvcs=false, or by go run)\n")
	} else {
		fmt.Fprintf(&b, "revision  %s", rev)
		if t := setting(bi, "vcs.time"); t != "" {
			fmt.Fprintf(&b, " (%s)", t)
		}
		if modified {
			b.WriteString(" with uncommitted changes")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "go        %s\n", bi.GoVersion)
	return b.String()
}

func vcsRevision(bi *debug.BuildInfo) (rev string, modified bool) {
	return setting(bi, "vcs.revision"), setting(bi, "vcs.modified") == "true"
}

func setting(bi *debug.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "(devel)"
	}
	return s
}
