package entra

// Next-link member names of the two Microsoft page shapes, both
// {"value":[...], "<next link>":"..."}; pass them to httpkit.GetPage and
// httpkit.FollowNextLink.
const (
	ODataNextLink = "@odata.nextLink" // Microsoft Graph, MDE
	ARMNextLink   = "nextLink"        // Azure Resource Manager (Defender for Cloud, Sentinel)
)
