package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

const maxBody = 1 << 20

// readObject enforces the write-request rules: a JSON Content-Type and a
// single JSON object as the body.
func (e *Emulator) readObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		e.badRequest(w, r, "Write requests (excluding DELETE) must contain the Content-Type header declaration.")
		return nil, false
	}
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
		e.writeError(w, r, http.StatusUnsupportedMediaType, "BadRequest", fmt.Sprintf("The content type '%s' is not supported; use 'application/json'.", ct))
		return nil, false
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		e.badRequest(w, r, "Unable to read the request body.")
		return nil, false
	}
	var obj map[string]json.RawMessage
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &obj) != nil {
		// The service reads anything but one object, arrays included, as no payload.
		e.badRequest(w, r, "Empty Payload. JSON content expected.")
		return nil, false
	}
	return obj, true
}

// readComment reads {"@odata.type":"microsoft.graph.security.alertComment","comment":"..."}.
func (e *Emulator) readComment(w http.ResponseWriter, r *http.Request) (string, bool) {
	obj, ok := e.readObject(w, r)
	if !ok {
		return "", false
	}
	for k, v := range obj {
		switch k {
		case "@odata.type":
			var t string
			if json.Unmarshal(v, &t) != nil || strings.TrimPrefix(t, "#") != "microsoft.graph.security.alertComment" {
				e.badRequest(w, r, "A type named '%s' could not be resolved by the model. When a model is available, each type name must resolve to a valid type.", strings.Trim(string(v), `"`))
				return "", false
			}
		case "comment", "createdByDisplayName", "createdDateTime":
		default:
			e.badRequest(w, r, "%s", unknownProperty(k, "microsoft.graph.security.alertComment"))
			return "", false
		}
	}
	var text string
	if json.Unmarshal(obj["comment"], &text) != nil || strings.TrimSpace(text) == "" {
		e.badRequest(w, r, "The comment property is required and must be a non-empty string.")
		return "", false
	}
	return text, true
}

func unknownProperty(name, typeName string) string {
	return fmt.Sprintf("The property '%s' does not exist on type '%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", name, typeName)
}

// patch is a validated alert or incident update.
type patch struct {
	status, classification, determination *string
	assignedTo                            **string
	customTags                            *[]string
	resolvingComment                      **string
}

// statusRule says which status values a PATCH may set: members are the
// enum's, settable the ones a client may write.
type statusRule struct {
	members, settable []string
	enumType          string
}

// parsePatch validates property names (case-sensitive, as OData is), value
// types and enum members.
func parsePatch(obj map[string]json.RawMessage, allowed map[string]bool, typeName string, st statusRule) (patch, error) {
	var p patch
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := obj[k]
		if strings.HasPrefix(k, "@odata.") {
			continue
		}
		if !allowed[k] {
			if readOnly[k] {
				return p, queryErr("The property '%s' is read-only and cannot be updated on type '%s'.", k, typeName)
			}
			return p, queryErr("%s", unknownProperty(k, typeName))
		}
		var err error
		switch k {
		case "status":
			p.status, err = statusValue(v, st)
		case "classification":
			p.classification, err = enumValue(v, alertClassifications, "classification", "microsoft.graph.security.alertClassification")
		case "determination":
			p.determination, err = enumValue(v, alertDeterminations, "determination", "microsoft.graph.security.alertDetermination")
		case "assignedTo":
			p.assignedTo, err = nullableString(v, k)
		case "resolvingComment":
			p.resolvingComment, err = nullableString(v, k)
		case "customTags":
			var tags []string
			if json.Unmarshal(v, &tags) != nil {
				err = queryErr("Cannot convert the value of property 'customTags' to Collection(Edm.String).")
			}
			p.customTags = &tags
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// readOnly are properties of alerts and incidents that exist but that the
// service owns.
var readOnly = map[string]bool{
	"id": true, "title": true, "description": true, "severity": true, "serviceSource": true, "detectionSource": true,
	"createdDateTime": true, "lastUpdateDateTime": true, "resolvedDateTime": true, "incidentId": true, "comments": true,
	"evidence": true, "tenantId": true, "displayName": true, "providerAlertId": true, "category": true,
	"mitreTechniques": true, "alertWebUrl": true, "incidentWebUrl": true, "systemTags": true, "lastModifiedBy": true,
	"firstActivityDateTime": true, "lastActivityDateTime": true, "detectorId": true, "productName": true,
	"redirectIncidentId": true, "summary": true, "alerts": true, "investigationState": true,
}

func enumValue(v json.RawMessage, members []string, prop, enumType string) (*string, error) {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil, queryErr("Cannot convert the literal '%s' to the expected type '%s'.", strings.Trim(string(v), `"`), enumType)
	}
	m, ok := enumMember(members, s)
	if !ok {
		return nil, queryErr("Cannot convert the literal '%s' to the expected type '%s' for property '%s'.", s, enumType, prop)
	}
	return &m, nil
}

// statusValue reads a status: a value outside the enum is an OData
// conversion error; a member the service owns is refused with the reason.
func statusValue(v json.RawMessage, st statusRule) (*string, error) {
	m, err := enumValue(v, st.members, "status", st.enumType)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(st.settable, *m) {
		return nil, queryErr("The value '%s' of property 'status' of type '%s' cannot be set by a client; settable values: %s.",
			*m, st.enumType, strings.Join(st.settable, ", "))
	}
	return m, nil
}

func nullableString(v json.RawMessage, prop string) (**string, error) {
	var s *string
	if json.Unmarshal(v, &s) != nil {
		return nil, queryErr("Cannot convert the value of property '%s' to Edm.String.", prop)
	}
	return &s, nil
}

func (p patch) applyAlert(a *Alert, _ time.Time) {
	p.applyTriage(&a.Classification, &a.Determination, &a.AssignedTo)
}

// applyTriage sets the triage properties alerts and incidents share, each
// only when the patch names it.
func (p patch) applyTriage(classification, determination *string, assignedTo **string) {
	if p.classification != nil {
		*classification = *p.classification
	}
	if p.determination != nil {
		*determination = *p.determination
	}
	if p.assignedTo != nil {
		*assignedTo = *p.assignedTo
	}
}
