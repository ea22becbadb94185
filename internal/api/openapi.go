package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every endpoint. The handler tests validate real
// responses against it, so it cannot drift from the code.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the embedded OpenAPI 3.0 document.
func OpenAPI() []byte { return append([]byte(nil), openAPIDoc...) }

// openAPI answers GET /openapi.json. It needs no token.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(openAPIDoc)
}
