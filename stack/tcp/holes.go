package tcp

// HoleBlocks is the number of out-of-order ranges held beyond RCV.NXT
// (each one a block the next SACK reports, RFC 2018). The stack's
// receive loop defers ACKs to the end of a receive batch, as Linux's GRO
// and NAPI poll give its TCP one stretch of segments per flow; reordering
// within a batch (a veth delivering frames from two CPUs) then heals
// before anything is reported. It ACKs at once instead:
//   - when a segment fills a gap (RFC 5681 §4.2);
//   - without SACK, on every out-of-order segment, since the sender
//     counts duplicate ACKs to its DupThresh (RFC 5681 §3.2, §4.2);
//   - with SACK, when a segment opens a new range while SACKBlocksPerAck
//     or more are held: one ACK carries at most that many blocks, and a
//     range never reported would make the sender resend data that
//     arrived (RFC 2018 §4 wants each arrival reported).
func (c *Conn) HoleBlocks() int { return c.ooo.n }

// SACKOK reports whether both ends agreed to SACK (RFC 2018 §2).
func (c *Conn) SACKOK() bool { return c.sackOK }

// SACKBlocksPerAck is the number of SACK blocks an ACK with timestamps
// carries (RFC 2018 §3: 40 option bytes, 10 for timestamps).
const SACKBlocksPerAck = 3
