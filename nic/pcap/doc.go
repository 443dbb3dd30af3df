// Package pcap records and replays Ethernet frames in the classic libpcap
// file format (the one tshark, tcpdump and Wireshark read): a Writer with
// nanosecond timestamps (magic 0xa1b23c4d, link type 1, Ethernet), a
// Reader for replay and tests, Wrap (a nic.Link tee that records every
// frame in both directions), and Ring (a bounded in-memory capture of the
// latest frames, optionally filtered, that can be downloaded as a pcap
// stream).
//
// It is not pcapng, does not decode the frames it records, and does not
// record the direction of a frame (classic pcap has no field for it).
package pcap
