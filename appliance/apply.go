package appliance

import (
	"errors"

	"github.com/tcpbox/tcpbox/config"
)

// apply makes the saved configuration next the running one, re-creating
// only what it must (the applies tag of each changed field):
//
//   - conn (TCP defaults, profiles): new connections use them at once
//     (each TCP service's listener is replaced; open connections keep
//     their settings, as on Linux where a sysctl affects new sockets);
//   - service (port, limits, enabled, profile name): that service's
//     listener is re-created; "port in use" comes back as a field error;
//   - address: stack.SetAddress (a switch between static and DHCP
//     re-creates the stack);
//   - link (interface, mode, MAC, MTU): link, stack and services are
//     re-created in this process;
//   - admin: at the next start of the program (logged).
//
// The command line's overrides still win (Config). On error the running
// system is left as it was.
func (b *box) apply(prev, next config.Config) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	in := b.cur.Load()
	if in == nil {
		return errors.New("tcpbox is still starting; try again")
	}
	ePrev, eNext := in.eff, b.cfg.overlay(next)
	if err := b.checkEffective(&eNext); err != nil {
		return err
	}
	if err := checkProfiles(&eNext, in.st.MTU()); err != nil {
		return err
	}
	changes := config.Diff(&ePrev, &eNext)
	for _, c := range changes {
		b.log.Info("config change", "field", c.Path, "old", c.Old, "new", c.New, "applies", c.Applies)
	}
	if changes.Has("admin") {
		b.log.Warn("config", "note", "admin settings apply at the next start of tcpbox")
	}
	if changes.Has("link") || ePrev.Address.Mode != eNext.Address.Mode {
		return b.relink(in, &eNext)
	}
	if changes.Has("address") {
		o, err := stackOptions(&eNext)
		if err != nil {
			return err
		}
		if err := in.st.SetAddress(o.Addr, o.Gateway); err != nil {
			return &config.FieldError{Path: "address.cidr", Msg: err.Error()}
		}
	}
	if err := in.svcs.apply(&ePrev, &eNext); err != nil {
		if changes.Has("address") {
			if o, perr := stackOptions(&ePrev); perr == nil {
				in.st.SetAddress(o.Addr, o.Gateway)
			}
		}
		return err
	}
	in.eff = config.Clone(&eNext)
	return nil
}

// relink replaces the instance (link, stack, services); if the new one
// cannot start, the old configuration is started again.
func (b *box) relink(old *instance, next *config.Config) error {
	b.log.Info("re-creating link and stack", "iface", next.Link.Interface, "mode", next.Link.Mode, "mtu", next.Link.MTU)
	old.stop()
	in, err := b.startInstance(next)
	if err != nil {
		b.log.Error("relink", "err", err)
		back, berr := b.startInstance(&old.eff)
		if berr != nil {
			b.log.Error("relink: the previous configuration did not start again either", "err", berr)
			return err
		}
		b.cur.Store(back)
		b.signalRelink()
		return err
	}
	b.cur.Store(in)
	b.signalRelink()
	return nil
}
