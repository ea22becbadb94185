package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// LoadDir reads every *.yaml and *.yml file of dir as one definition, in
// name order; an empty dir reads none.
func LoadDir(dir string) ([]Definition, error) {
	if dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read playbooks dir: %w", err)
	}
	var names []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	out := make([]Definition, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("read playbook %s: %w", n, err)
		}
		d, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("playbook file %s: %w", n, err)
		}
		out = append(out, d)
	}
	return out, nil
}
