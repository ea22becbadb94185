package connector

import "context"

// backgroundKey marks a context whose requests are background work.
type backgroundKey struct{}

// Background marks ctx's vendor requests as background work (polls and
// automatic comments): on a rate budget they share with decisions (verdict
// and reconciliation writes, analysts' comments), they wait while a
// decision waits for the same budget (up to a bound), so people's
// decisions reach the vendor first.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// IsBackground reports whether ctx was marked with Background.
func IsBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}
