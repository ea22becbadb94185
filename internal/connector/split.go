package connector

import "context"

// SplitOnRefusal turns a bulk write the vendor refused as a whole into
// per-item results, by writing each change alone with single, for vendors
// whose bulk API answers all or nothing (Defender for Endpoint's
// batchUpdate refuses the batch when one alert is unknown): only the
// changes the vendor also refuses alone fail. bulkErr is the bulk call's
// error. A rate limit, a retryable failure or an auth failure is returned
// as it is: writing one by one would only spend more of the budget on a
// call that cannot succeed now. A cancelled ctx stops the split and fails
// the changes not yet written as a whole.
func SplitOnRefusal(ctx context.Context, changes []StateChange, bulkErr error,
	single func(context.Context, StateChange) (RemoteState, error)) ([]ItemResult, error) {
	if len(changes) < 2 {
		return nil, bulkErr
	}
	switch ClassOf(bulkErr) {
	case ClassPermanent, ClassNotFound, ClassConflict:
	default:
		return nil, bulkErr
	}
	out := make([]ItemResult, len(changes))
	for i, ch := range changes {
		if err := ctx.Err(); err != nil {
			for j := i; j < len(changes); j++ {
				out[j].Err = err
			}
			return out, nil
		}
		out[i].State, out[i].Err = single(ctx, ch)
	}
	return out, nil
}
