package connectortest

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// MappingsDoc is docs/mappings.md seen from a connector package
// (internal/connectors/<vendor>), where its tests run.
var MappingsDoc = filepath.Join("..", "..", "..", "docs", "mappings.md")

// DocTables returns the Markdown tables between the heading whose text is
// heading (any level) and the next heading of the file at path: for each
// table its body rows, each cell trimmed and stripped of backticks. Tests
// compare a doc's tables with the code's defaults so the two cannot drift;
// a missing heading, or a heading without a table, fails the test.
func DocTables(t testing.TB, path, heading string) [][][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var tables [][][]string
	var cur [][]string
	found := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		isHeading := strings.HasPrefix(line, "#")
		if !found {
			found = isHeading && strings.TrimSpace(strings.TrimLeft(line, "#")) == heading
			continue
		}
		if strings.HasPrefix(line, "|") {
			cur = append(cur, cells(line))
			continue
		}
		if cur != nil {
			tables, cur = append(tables, tableBody(t, heading, cur)), nil
		}
		if isHeading {
			break
		}
	}
	if cur != nil {
		tables = append(tables, tableBody(t, heading, cur))
	}
	if !found || len(tables) == 0 {
		t.Fatalf("%s: no table under a heading %q", path, heading)
	}
	return tables
}

func cells(line string) []string {
	parts := strings.Split(strings.Trim(line, "|"), "|")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.TrimSpace(p), "`", "")
	}
	return parts
}

// tableBody drops the header row and its --- separator.
func tableBody(t testing.TB, heading string, rows [][]string) [][]string {
	t.Helper()
	if len(rows) < 3 {
		t.Fatalf("a table under %q has no body rows", heading)
	}
	return rows[2:]
}
