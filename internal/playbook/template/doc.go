// Package template renders the Jinja templates of playbook steps (request
// bodies, URLs, headers) against the outputs of earlier steps.
//
// A template is compiled once, when the playbook is saved, and rendered for
// every run. The data model is Sekoia.io's: node is a list where node.0 is
// the trigger's output and node.N the output of step N, so a body written
// for a Sekoia.io "Request URL" block, such as
//
//	{"alert_short_id":"{{ node.0['alert_uuid'] }}", "rule_name":"{{ node.1['rule']['name'] }}"}
//
// renders here as written. Secrets are never template data: a template asks
// for one with secret("name"), Options.Secret resolves it, and the Rendered
// result lists the values it used so a run history can mask them.
//
// # Why gonja
//
// The engine is github.com/nikolalohinski/gonja/v2. Of the Go Jinja
// implementations it is the one that resolves from the module proxy here,
// is maintained, aims at Python Jinja compatibility, and renders the seed's
// body above unchanged (node.0, node[0], ['key'] subscripts, filters,
// default, loops). It is not a sandbox by itself, so this package makes it
// one:
//
//   - Known panic: `{{ "%s" % x }}` panics inside gonja (integer division by
//     zero); every Render recovers and returns ErrEngine.
//   - Only if/elif/else, for, set, raw, break and continue are accepted:
//     include, import, extends, macro, call and block are refused at compile
//     time, and the loader serves nothing but the template itself, so a
//     template cannot read files or recurse.
//   - Filters, methods and globals are allow-lists: nothing that mutates
//     the caller's data (list.append, dict.update, set on attributes) and
//     nothing whose output size is unbounded without a check (join,
//     replace, center, indent, "s" * n, + and ~ are guarded).
//   - Data must be JSON-like (maps, slices, strings, numbers, booleans):
//     gonja calls Go methods it finds on values, so structs are refused.
//   - Sources are capped (64 KiB, 1000 tokens per tag, 32 nested brackets
//     or blocks, 64 nested expression nodes): gonja's parser and evaluator
//     recurse per level and its error messages grow per level.
//   - Work is bounded cooperatively: the output writer, every printed
//     expression, every loop iteration and every guarded operator check the
//     deadline, the output size and an iteration budget. Rendering runs on
//     the caller's goroutine, so a timeout leaves no goroutine behind; a
//     single built-in call that is already running finishes first, and those
//     are kept small by the size checks.
//
// # JSON escaping
//
// With Options.JSON each {{ }} is escaped for the place it lands in the JSON
// text, as html/template does for HTML: inside a JSON string the value is
// escaped as string content (quotes, backslashes, control characters;
// <, > and & stay literal, never HTML-escaped), outside a string it is
// written as a JSON value (strings quoted, numbers and lists as JSON). A
// string whose text starts with { or [ (optionally after a ') is taken as
// embedded JSON, as in Sekoia.io's intake example, and values inside it are
// escaped once per level. The rendered text must parse as JSON or Render
// fails with ErrInvalidJSON.
package template
