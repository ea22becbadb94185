// Package condition evaluates the guard expressions of playbook steps, such
// as
//
//	alert.severity >= 70 and alert.integration == "crowdstrike"
//
// over the alert and incident that triggered a run.
//
// # Why expr
//
// Expressions are compiled by github.com/expr-lang/expr (v1.17). It
// resolves from the module proxy here, has no dependencies, is maintained,
// and is built for this job: a program is compiled once against a typed
// environment, so unknown fields, type mismatches and non-boolean results
// are compile errors, and evaluation cannot loop: the language has no loops
// or recursion, only bounded built-ins over finite lists. cel-go was the
// other candidate; it pulls in protobuf and ANTLR for the same guarantees.
//
// On top of expr this package keeps expressions sandboxed and cheap:
//
//   - only an allow-list of built-ins is enabled (no repeat, replace or
//     reduce, which can build huge strings; no fromJSON or toBase64);
//   - calls are refused at compile time, so no Go method of an env value
//     (time.Time's, say) can be reached, and so are let bindings, which could
//     double a string once per binding;
//   - predicates ({ # > 1 } in any, all, filter, map...) nest at most two
//     deep, so a condition costs at most n² steps over a list of n;
//   - sources are capped in length and AST nodes, and each evaluation runs
//     under expr's memory budget.
//
// Severity is a number, as the issue's `alert.severity >= 70` implies:
// informational 10, low 30, medium 50, high 70, critical 90, unknown 0.
// The name is alert.severity_name.
package condition
