package admin

import (
	"net/http"

	"github.com/tcpbox/tcpbox/config"
)

type servicesData struct {
	Services []ServiceInfo              `json:"services"`
	Config   config.Services            `json:"config"`
	Limits   map[string]*config.Service `json:"-"`
}

func (h *Handler) services(r *http.Request) (string, any, int) {
	var d servicesData
	if h.d.Services != nil {
		d.Services = h.d.Services()
	}
	if h.d.Config != nil {
		c := h.d.Config.Get()
		d.Config = c.Services
		d.Limits = c.ServiceMap()
	}
	return "Listeners and services", d, 0
}
