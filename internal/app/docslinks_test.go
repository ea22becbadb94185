package app_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocsLinksStayInRepo checks the README and docs/ for links a user
// who cloned the repository cannot follow: a relative link must name a
// file in the repository, and nothing may point above its root.
func TestDocsLinksStayInRepo(t *testing.T) {
	t.Parallel()
	root := "../.."
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(root, "README.md"))
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(root, f)
		if strings.Contains(string(b), "../shared") {
			t.Errorf("%s points at ../shared, which a clone does not have", name)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			abs, err := filepath.Abs(filepath.Join(filepath.Dir(f), target))
			rootAbs, _ := filepath.Abs(root)
			if err != nil || !strings.HasPrefix(abs, rootAbs+string(filepath.Separator)) {
				t.Errorf("%s links %s, outside the repository", name, target)
				continue
			}
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s links %s, which does not exist", name, target)
			}
		}
	}
}
