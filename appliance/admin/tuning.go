package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tcpbox/tcpbox/config"
)

type fieldView struct {
	config.Field
	Name    string   `json:"-"`
	Options []string `json:"options,omitempty"` // choices of a select
	Errors  []string `json:"errors,omitempty"`
	Changed bool     `json:"changed"`            // differs from the default
	Saved   string   `json:"saved"`              // value in the saved configuration
	InForce string   `json:"in_force,omitempty"` // the running value, where it is not the saved one
	Note    string   `json:"note,omitempty"`     // why the value changes nothing yet
}

type fieldGroup struct {
	Path   string      `json:"path"`
	Help   string      `json:"help,omitempty"`
	Fields []fieldView `json:"fields"`
}

type tuningData struct {
	Groups   []fieldGroup         `json:"groups"`
	Profiles []string             `json:"profiles"`
	Errors   []*config.FieldError `json:"errors,omitempty"`
	General  string               `json:"error,omitempty"` // an error that names no field
	Saved    bool                 `json:"saved,omitempty"`
	Changed  []string             `json:"changed,omitempty"`
}

func (h *Handler) tuning(r *http.Request) (string, any, int) {
	if h.d.Config == nil {
		return "Tuning", tuningData{General: "no configuration store"}, http.StatusServiceUnavailable
	}
	c := h.d.Config.Get()
	d := h.tuningView(&c, nil)
	d.Saved = r.URL.Query().Get("saved") == "1"
	return "Tuning", d, 0
}

// tuningView shows c (the saved configuration, or a refused one with its
// errors) beside the saved values.
func (h *Handler) tuningView(c *config.Config, errs []*config.FieldError) tuningData {
	d := tuningData{Errors: errs}
	saved := map[string]string{}
	if h.d.Config != nil {
		cur := h.d.Config.Get()
		for _, f := range config.Fields(&cur) {
			saved[f.Path] = f.Value
		}
	}
	for name := range c.Profiles {
		d.Profiles = append(d.Profiles, name)
	}
	slices.Sort(d.Profiles)
	byPath := map[string][]string{}
	for _, e := range errs {
		byPath[e.Path] = append(byPath[e.Path], e.Msg)
	}
	inForce := map[string]string{}
	if h.d.Effective != nil {
		eff := h.d.Effective()
		for _, f := range config.Fields(&eff) {
			if f.Value != saved[f.Path] {
				inForce[f.Path] = f.Value
			}
		}
	}
	shown := map[string]bool{}
	for _, f := range config.Fields(c) {
		if len(d.Groups) == 0 || d.Groups[len(d.Groups)-1].Path != f.Group {
			d.Groups = append(d.Groups, fieldGroup{Path: f.Group, Help: f.GroupHelp})
		}
		v := fieldView{Field: f, Name: f.Path[strings.LastIndex(f.Path, ".")+1:], Errors: byPath[f.Path], Changed: f.Value != f.Default, Saved: saved[f.Path]}
		v.InForce, v.Note = inForce[f.Path], noEffectNote(h.d.NoEffect, &f)
		shown[f.Path] = true
		switch {
		case f.Kind == "enum":
			v.Options = f.Enum
		case f.Kind == "bool":
			v.Options = []string{"true", "false"}
		case strings.HasPrefix(f.Path, "services.") && strings.HasSuffix(f.Path, ".profile"):
			v.Options = append([]string{""}, d.Profiles...)
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Fields = append(g.Fields, v)
	}
	// Errors of paths that are not a field (a whole profile, version)
	// show at the top.
	for _, e := range errs {
		if !shown[e.Path] {
			d.General = strings.TrimPrefix(d.General+"; "+e.Error(), "; ")
		}
	}
	return d
}

// noEffectNote says why f's value changes nothing on the wire yet, or ""
// (see Deps.NoEffect). Only TCP knobs (the tcp group and the profiles)
// are meant.
func noEffectNote(noEffect []string, f *config.Field) string {
	if !strings.HasPrefix(f.Path, "tcp.") && !strings.HasPrefix(f.Path, "profiles.") {
		return ""
	}
	name := f.Path[strings.LastIndex(f.Path, ".")+1:]
	for _, n := range noEffect {
		knob, value, one := strings.Cut(n, "=")
		switch {
		case knob != name:
		case !one:
			return "Saved, but no effect yet: the stack has no such knob today."
		case f.Value == value:
			return fmt.Sprintf("Saved, but the stack does not implement %q on its own yet; it acts as a neighbouring value.", value)
		}
	}
	return ""
}

// change validates next, saves it atomically, then calls the apply hook;
// if the hook fails the previous file is restored. It returns the paths
// that changed.
func (h *Handler) change(next config.Config) ([]string, error) {
	h.changeMu.Lock()
	defer h.changeMu.Unlock()
	prev := h.d.Config.Get()
	if err := config.Validate(&next); err != nil {
		return nil, err
	}
	changed := diff(&prev, &next)
	if len(changed) == 0 {
		return nil, nil
	}
	if err := h.d.Config.Save(next); err != nil {
		return nil, err
	}
	if h.d.Apply != nil {
		if err := h.d.Apply(prev, next); err != nil {
			if rerr := h.d.Config.Save(prev); rerr != nil {
				h.logf("admin: restoring the previous configuration failed", "err", rerr)
			}
			h.logf("admin: change refused by apply", "err", err)
			return nil, err
		}
	}
	h.info("admin: configuration changed", "fields", strings.Join(changed, " "))
	return changed, nil
}

// diff lists changed fields as "path: old -> new" (secrets by path only).
func diff(a, b *config.Config) []string {
	var out []string
	for _, c := range config.Diff(a, b) {
		switch {
		case c.Old == "" && c.New == "": // a secret
			out = append(out, c.Path)
		case c.Old == "(removed)" || c.New == "(added)":
			out = append(out, c.Path+": "+c.Old+c.New)
		default:
			out = append(out, fmt.Sprintf("%s: %s -> %s", c.Path, c.Old, c.New))
		}
	}
	return out
}

// fieldErrors splits an error into field errors and a general message.
func fieldErrors(err error) ([]*config.FieldError, string) {
	var es config.Errors
	if errors.As(err, &es) {
		return es, ""
	}
	var fe *config.FieldError
	if errors.As(err, &fe) {
		return []*config.FieldError{fe}, ""
	}
	return nil, err.Error()
}

// postTuning sets fields from a form (the tuning page) or from JSON
// {"set": {"path": "value"}} (the API), then validates, saves and applies.
func (h *Handler) postTuning(w http.ResponseWriter, r *http.Request) {
	api := strings.HasPrefix(r.URL.Path, "/api/")
	if h.d.Config == nil {
		http.Error(w, "no configuration store", http.StatusServiceUnavailable)
		return
	}
	next := h.d.Config.Get()
	values := map[string]string{}
	if api {
		var body struct {
			Set map[string]string `json:"set"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFormBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			h.json(w, r, map[string]string{"error": "body must be {\"set\": {\"path\": \"value\"}}: " + err.Error()}, http.StatusBadRequest)
			return
		}
		values = body.Set
	} else {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
			return
		}
		for k, v := range r.PostForm {
			if k != xsrfField && len(v) > 0 {
				values[k] = v[0]
			}
		}
	}
	var errs []*config.FieldError
	secret := map[string]bool{}
	for _, f := range config.Fields(&next) {
		secret[f.Path] = f.Secret
	}
	for _, path := range sortedKeys(values) {
		if secret[path] {
			errs = append(errs, &config.FieldError{Path: path, Msg: "cannot be set here"})
			continue
		}
		if err := config.Set(&next, path, values[path]); err != nil {
			var fe *config.FieldError
			errors.As(err, &fe)
			errs = append(errs, fe)
		}
	}
	var changed []string
	var general string
	if len(errs) == 0 {
		var err error
		changed, err = h.change(next)
		if err != nil {
			errs, general = fieldErrors(err)
		}
	} else if verr := config.Validate(&next); verr != nil {
		more, _ := fieldErrors(verr)
		errs = append(errs, more...)
	}
	ok := len(errs) == 0 && general == ""
	if api {
		if ok {
			h.json(w, r, map[string]any{"ok": true, "changed": changed}, http.StatusOK)
		} else {
			out := map[string]any{"ok": false, "errors": errs}
			if general != "" {
				out["error"] = general
			}
			h.json(w, r, out, http.StatusUnprocessableEntity)
		}
		return
	}
	if ok {
		http.Redirect(w, r, "/tuning?saved=1", http.StatusSeeOther)
		return
	}
	d := h.tuningView(&next, errs)
	if general != "" {
		d.General = general
	}
	h.html(w, r, "tuning", "Tuning: nothing was changed", d, http.StatusUnprocessableEntity)
}

// postProfiles adds a profile (a copy of the tcp defaults) or deletes one.
func (h *Handler) postProfiles(w http.ResponseWriter, r *http.Request) {
	next := h.d.Config.Get()
	name := strings.TrimSpace(r.PostFormValue("name"))
	switch r.PostFormValue("action") {
	case "add":
		if _, ok := next.Profiles[name]; ok {
			h.refuse(w, r, &next, &config.FieldError{Path: "profiles." + name, Msg: "already exists"})
			return
		}
		if next.Profiles == nil {
			next.Profiles = map[string]config.Profile{}
		}
		next.Profiles[name] = next.TCP
	case "delete":
		delete(next.Profiles, name)
	default:
		http.Error(w, "action must be add or delete", http.StatusBadRequest)
		return
	}
	if _, err := h.change(next); err != nil {
		errs, general := fieldErrors(err)
		d := h.tuningView(&next, errs)
		if general != "" {
			d.General = general
		}
		h.html(w, r, "tuning", "Tuning: nothing was changed", d, http.StatusUnprocessableEntity)
		return
	}
	http.Redirect(w, r, "/tuning?saved=1", http.StatusSeeOther)
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, c *config.Config, fe *config.FieldError) {
	d := h.tuningView(c, []*config.FieldError{fe})
	h.html(w, r, "tuning", "Tuning: nothing was changed", d, http.StatusUnprocessableEntity)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
