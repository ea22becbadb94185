package template

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nikolalohinski/gonja/v2/builtins"
	controls "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/builtins/methods"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
)

// rootID names the template to the loader; nothing else can be loaded.
const rootID = "playbook-template"

// Names of the internal filters the rewriter inserts. They contain spaces
// and angle brackets, which no template can write, so templates cannot call
// them.
const (
	filterEmit  = "<output>"
	filterTick  = "<loop>"
	filterChain = "<chain>"
	filterOp    = "<op %s>"
)

// Filters whose output is bounded by their input, used as gonja ships them.
var plainFilters = []string{
	"abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape",
	"filesizeformat", "first", "float", "groupby", "int", "items", "last", "length",
	"list", "lower", "map", "max", "min", "reject", "rejectattr", "reverse", "round",
	"safe", "select", "selectattr", "sort", "string", "striptags", "sum", "title",
	"trim", "truncate", "unique", "upper", "urlencode", "wordcount",
}

// String methods that neither mutate nor grow their input.
var strMethods = []string{
	"capitalize", "casefold", "count", "endswith", "find", "isalnum", "isalpha",
	"isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isprintable",
	"isspace", "istitle", "isupper", "lower", "lstrip", "partition", "removeprefix",
	"removesuffix", "rfind", "rpartition", "rsplit", "rstrip", "split", "splitlines",
	"startswith", "strip", "swapcase", "title", "upper",
}

// The control structures a playbook template may use; the others read
// files (include, import, extends), recurse (macro, call, block) or capture
// output outside the writer's checks (filter, block set).
var allowedControls = map[string]bool{
	"if": true, "elif": true, "else": true, "endif": true,
	"for": true, "endfor": true, "set": true, "endset": true, "raw": true, "endraw": true,
	"break": true, "continue": true,
}

func newEnvironment(o Options) *exec.Environment {
	filters := map[string]exec.FilterFunction{}
	for _, name := range plainFilters {
		f, _ := builtins.Filters.Get(name)
		filters[name] = f
	}
	for name, f := range guardedFilters() {
		filters[name] = f
	}
	for name, f := range internalFilters() {
		filters[name] = f
	}
	return &exec.Environment{
		Context:           globals(),
		Filters:           exec.NewFilterSet(filters),
		Tests:             builtins.Tests,
		ControlStructures: controlStructures(),
		Methods:           restrictedMethods(),
	}
}

func restrictedMethods() exec.Methods {
	str := map[string]exec.Method[string]{}
	for _, name := range strMethods {
		m, _ := methods.All.Str.Get(name)
		str[name] = m
	}
	dict := map[string]exec.Method[map[string]any]{}
	for _, name := range []string{"keys", "values", "items", "get", "copy"} {
		m, _ := methods.All.Dict.Get(name)
		dict[name] = m
	}
	list := map[string]exec.Method[[]any]{}
	if m, ok := methods.All.List.Get("copy"); ok {
		list["copy"] = m
	}
	return exec.Methods{
		Bool:  methods.All.Bool,
		Int:   methods.All.Int,
		Float: methods.All.Float,
		Str:   exec.NewMethodSet(str),
		Dict:  exec.NewMethodSet(dict),
		List:  exec.NewMethodSet(list),
	}
}

func controlStructures() *exec.ControlStructureSet {
	set := map[string]parser.ControlStructureParser{"set": parseSet}
	for _, name := range []string{"if", "raw", "break", "continue"} {
		p, _ := controls.All.Get(name)
		set[name] = p
	}
	forParser, _ := controls.All.Get("for")
	set["for"] = func(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
		cs, err := forParser(p, args)
		if err != nil {
			return nil, err
		}
		if f, ok := cs.(*controls.ForControlStructure); ok && f.Recursive {
			return nil, errors.New("recursive loops are not allowed in playbook templates")
		}
		return cs, nil
	}
	return exec.NewControlStructureSet(set)
}

// sourceLoader serves the template's own source and refuses every other
// name, so no template can reach the file system.
type sourceLoader struct{ src string }

func (l sourceLoader) Read(path string) (io.Reader, error) {
	if path != rootID {
		return nil, fmt.Errorf("loading %q refused: playbook templates cannot load other templates", path)
	}
	return strings.NewReader(l.src), nil
}

func (l sourceLoader) Resolve(path string) (string, error) { return path, nil }

func (l sourceLoader) Inherit(string) (loaders.Loader, error) { return l, nil }
