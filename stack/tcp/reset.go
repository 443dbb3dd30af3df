package tcp

// ResetFor builds the RST answering a segment that arrived for no
// connection (RFC 9293 §3.10.7.1): if the segment has ACK, the RST takes
// its sequence number from SEG.ACK; otherwise it has sequence number 0
// and acknowledges SEG.SEQ+SEG.LEN. A RST is never answered.
func ResetFor(seg *Segment) (Segment, bool) {
	if seg.Flags&RST != 0 {
		return Segment{}, false
	}
	r := Segment{SrcPort: seg.DstPort, DstPort: seg.SrcPort, Options: NoOptions}
	if seg.Flags&ACK != 0 {
		r.Seq = seg.Ack
		r.Flags = RST
	} else {
		r.Ack = seg.Seq.Add(seg.Len())
		r.Flags = RST | ACK
	}
	return r, true
}
