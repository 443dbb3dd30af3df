package admin

import (
	"net/http"

	"github.com/tcpbox/tcpbox/config"
)

type servicesData struct {
	Services []ServiceInfo   `json:"services"`
	Config   config.Services `json:"config"`
}

func (h *Handler) services(r *http.Request) (string, any, int) {
	var d servicesData
	if h.d.Services != nil {
		d.Services = h.d.Services()
	}
	if h.d.Config != nil {
		d.Config = h.d.Config.Get().Services
	}
	return "Listeners and services", d, 0
}
