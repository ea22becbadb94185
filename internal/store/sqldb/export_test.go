package sqldb

// QueryText is a named statement's text as the store runs it before
// rebinding (:tenant and ? marks), for the plan tests.
func QueryText(name string) string {
	for _, d := range queryDefs {
		if d.name == name {
			return d.text
		}
	}
	return ""
}
