package cc

var eventNames = [...]string{"invalid", "fast_recovery", "recovery_exit", "rto", "ece", "undo", "idle_restart"}

// String names the event for traces and the admin page.
func (e Event) String() string {
	if int(e) < len(eventNames) {
		return eventNames[e]
	}
	return "invalid"
}
