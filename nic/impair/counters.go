package impair

// Counters say what one direction did to its frames. Every frame offered
// ends up in exactly one of Passed or the Drop* counters, or is still held
// (Held); duplicates add to Offered's outcomes, so
// Passed + drops + Held = Offered + Duplicated.
type Counters struct {
	Offered    uint64 // frames given to the direction
	Passed     uint64 // frames delivered (duplicates included)
	Duplicated uint64 // extra copies made
	Corrupted  uint64 // frames with a flipped bit
	Reordered  uint64 // frames held back so later ones may overtake them
	Delayed    uint64 // frames not released at once (delay, jitter, queue)

	DropLoss     uint64 // random loss
	DropBurst    uint64 // Gilbert-Elliott loss
	DropQueue    uint64 // rate limiter queue full (drop-tail)
	DropLimit    uint64 // Limit frames already held
	DropOversize uint64 // frame longer than the buffers

	Held uint64 // frames inside now
}

// Dropped is the sum of the drop counters.
func (c Counters) Dropped() uint64 {
	return c.DropLoss + c.DropBurst + c.DropQueue + c.DropLimit + c.DropOversize
}
