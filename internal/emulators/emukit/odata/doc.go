// Package odata parses and applies the OData query options ($filter,
// $orderby, $top, $skip, $expand) that Microsoft's APIs accept, and builds
// the @odata.nextLink that pages through a result. Each emulator answers
// ErrBadQuery in its own vendor's words.
package odata
