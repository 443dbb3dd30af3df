package config

// SchemaVersion is the version of the file format this package writes.
// Older files are migrated on load (migrate.go).
const SchemaVersion = 2

// Config is the whole configuration of one tcpbox.
//
// Struct tags document every field and drive validation (fields.go):
//
//	help     what the field means, in one sentence
//	linux    the Linux equivalent: sysctl, socket option or route attribute
//	applies  how a change takes effect: conn, service, link, address, admin
//	min,max  inclusive bounds (numbers, or Go duration strings)
//	zero     what the value zero means, if it is allowed below min ("off")
//	enum     the allowed values of a string field, comma separated
//	unit     bytes, segments, seconds ... (for display)
type Config struct {
	Version  int                `json:"version" help:"Schema version of this file; older versions are migrated on load." applies:"never"`
	Link     Link               `json:"link"`
	Address  Address            `json:"address"`
	TCP      Profile            `json:"tcp"`
	Profiles map[string]Profile `json:"profiles"`
	Services Services           `json:"services"`
	Admin    Admin              `json:"admin"`
}

// Link is the network interface tcpbox owns.
type Link struct {
	Interface string   `json:"interface" help:"Network interface whose traffic tcpbox takes over through AF_PACKET." linux:"ip link (interface name)" applies:"link"`
	Mode      string   `json:"mode" help:"dedicated: tcpbox owns the whole NIC; macvlan: tcpbox gets a macvlan child with its own MAC and the host keeps the NIC." enum:"dedicated,macvlan" linux:"ip link add type macvlan" applies:"link"`
	MAC       string   `json:"mac" help:"MAC address tcpbox uses; empty means the interface's own (dedicated) or a stable generated one (macvlan)." linux:"ip link set address" applies:"link"`
	MTU       int      `json:"mtu" help:"Largest IP packet on the link; the advertised MSS follows from it (MTU - 40)." linux:"ip link set mtu" min:"576" max:"9216" unit:"bytes" applies:"link"`
	BusyPoll  Duration `json:"busy_poll" help:"After traffic, keep polling the link this long before sleeping, and keep the transmit goroutine looking for ACKs to send as long: a request arriving meanwhile is answered without a wake-up (lower and steadier request/response latency), and a sender's ACKs leave without waiting for a wake-up (higher upload rates), for CPU spent only after traffic; 0 turns both off." linux:"net.core.busy_read, SO_BUSY_POLL" min:"1us" max:"10ms" zero:"off" applies:"link"`
}

// Address is tcpbox's own IPv4 configuration.
type Address struct {
	Mode    string `json:"mode" help:"static: use cidr and gateway; dhcp: lease an address (RFC 2131)." enum:"static,dhcp" linux:"ip addr add / dhclient" applies:"address"`
	CIDR    string `json:"cidr" help:"tcpbox's IPv4 address and prefix length, e.g. 198.18.0.2/24 (static mode)." linux:"ip addr add" applies:"address"`
	Gateway string `json:"gateway" help:"Default router for destinations outside the prefix; empty for none (static mode)." linux:"ip route add default via" applies:"address"`
}

// Profile is one complete set of TCP knobs. The tcp section holds the
// defaults; named profiles are chosen per service. Fields missing from a
// profile in a file take the built-in default.
type Profile struct {
	// Buffers and windows.
	SndBuf    int  `json:"sndbuf" help:"Initial send buffer per connection." linux:"net.ipv4.tcp_wmem[1], SO_SNDBUF" min:"1024" max:"1073741824" unit:"bytes" applies:"conn"`
	SndBufMin int  `json:"sndbuf_min" help:"Smallest send buffer a connection may set for itself (SO_SNDBUF below it is raised to it); autotuning never shrinks the buffer." linux:"net.ipv4.tcp_wmem[0]" min:"1024" max:"1073741824" unit:"bytes" applies:"conn"`
	SndBufMax int  `json:"sndbuf_max" help:"Largest send buffer autotuning may grow to: it keeps about twice the congestion window (three times for bbr) while the application keeps it full. Equal to sndbuf: a fixed buffer." linux:"net.ipv4.tcp_wmem[2]" min:"1024" max:"1073741824" unit:"bytes" applies:"conn"`
	RcvBuf    int  `json:"rcvbuf" help:"Initial receive buffer per connection; the advertised window comes from its free space." linux:"net.ipv4.tcp_rmem[1], SO_RCVBUF" min:"1024" max:"1073741824" unit:"bytes" applies:"conn"`
	RcvBufMin int  `json:"rcvbuf_min" help:"Smallest receive buffer." linux:"net.ipv4.tcp_rmem[0]" min:"1024" max:"1073741824" unit:"bytes" applies:"conn"`
	RcvBufMax int  `json:"rcvbuf_max" help:"Largest receive buffer autotuning may grow to; bounds the window." linux:"net.ipv4.tcp_rmem[2]" min:"1024" max:"1073741824" unit:"bytes" applies:"conn"`
	Autotune  bool `json:"autotune" help:"Grow the receive buffer to about twice the bandwidth-delay product, like Linux's receive-buffer moderation." linux:"net.ipv4.tcp_moderate_rcvbuf" applies:"conn"`

	WindowScaling bool `json:"window_scaling" help:"Offer the window-scale option (RFC 7323 §2) so windows above 64 KiB are possible." linux:"net.ipv4.tcp_window_scaling" applies:"conn"`
	WScaleShift   int  `json:"wscale_shift" help:"Shift we announce (0-14, RFC 7323 §2.3); -1 picks the smallest shift that covers rcvbuf_max." linux:"(derived from tcp_rmem[2] in Linux)" min:"-1" max:"14" applies:"conn"`
	MSSClamp      int  `json:"mss_clamp" help:"Largest MSS we advertise and send; 0 means derived from the MTU only." linux:"TCP_MAXSEG, route advmss" min:"88" max:"65495" zero:"off" unit:"bytes" applies:"conn"`
	InitCwnd      int  `json:"init_cwnd" help:"Initial congestion window (RFC 6928 recommends 10)." linux:"ip route ... initcwnd" min:"1" max:"1000" unit:"segments" applies:"conn"`
	InitRwnd      int  `json:"init_rwnd" help:"Initial receive window we advertise (on the SYN or SYN-ACK, then widened by two segments per segment received until the buffer bounds it); 0 means from the receive buffer." linux:"ip route ... initrwnd" min:"1" max:"65535" zero:"auto" unit:"segments" applies:"conn"`

	// Congestion control and loss recovery.
	Congestion         string `json:"congestion" help:"Congestion-control algorithm: reno (RFC 5681), newreno (RFC 6582), cubic (RFC 9438), bbr, or fixed (a constant window, for tests)." linux:"net.ipv4.tcp_congestion_control, TCP_CONGESTION, route congctl" enum:"reno,newreno,cubic,bbr,fixed" applies:"conn"`
	FixedCwnd          int    `json:"fixed_cwnd" help:"Window of the fixed algorithm." linux:"route cwnd lock" min:"1" max:"100000" unit:"segments" applies:"conn"`
	SACK               bool   `json:"sack" help:"Offer and use selective acknowledgements (RFC 2018, recovery per RFC 6675)." linux:"net.ipv4.tcp_sack" applies:"conn"`
	DSACK              bool   `json:"dsack" help:"Report and use duplicate SACKs to undo spurious retransmissions (RFC 2883)." linux:"net.ipv4.tcp_dsack" applies:"conn"`
	RACKTLP            bool   `json:"rack_tlp" help:"Time-based loss detection and tail-loss probes (RFC 8985)." linux:"net.ipv4.tcp_recovery bit 0, tcp_early_retrans" applies:"conn"`
	PRR                bool   `json:"prr" help:"Proportional rate reduction sizes sending during recovery (RFC 6937)." linux:"(always on in Linux)" applies:"conn"`
	FRTO               bool   `json:"frto" help:"Detect spurious retransmission timeouts (F-RTO, RFC 5682)." linux:"net.ipv4.tcp_frto" applies:"conn"`
	ECN                string `json:"ecn" help:"Explicit congestion notification (RFC 3168): off; passive (accept when the peer asks); active (ask on our SYNs too)." linux:"net.ipv4.tcp_ecn (0, 2, 1), route features ecn" enum:"off,passive,active" applies:"conn"`
	Reordering         int    `json:"reordering" help:"Initial duplicate-ACK threshold before fast retransmit (RFC 5681 §3.2 uses 3) when RACK is off; reordering seen raises it, up to 300 (tcp_max_reordering)." linux:"net.ipv4.tcp_reordering" min:"1" max:"300" unit:"segments" applies:"conn"`
	Timestamps         string `json:"timestamps" help:"Timestamps option (RFC 7323 §3) for RTT samples and PAWS: on (random per-connection offset), no-offset, or off." linux:"net.ipv4.tcp_timestamps (1, 2, 0)" enum:"on,no-offset,off" applies:"conn"`
	Pacing             bool   `json:"pacing" help:"Spread segments over the RTT instead of sending bursts (BBR always paces)." linux:"fq qdisc / SO_MAX_PACING_RATE" applies:"conn"`
	MaxPacingRate      int64  `json:"max_pacing_rate" help:"Upper bound of the pacing rate; 0 means no bound." linux:"SO_MAX_PACING_RATE" min:"1000" max:"125000000000" zero:"none" unit:"bytes/s" applies:"conn"`
	SlowStartAfterIdle bool   `json:"slow_start_after_idle" help:"Restart from the initial window after an idle period of one RTO (RFC 5681 §4.1)." linux:"net.ipv4.tcp_slow_start_after_idle" applies:"conn"`

	// Sending and acknowledging.
	Nagle      bool     `json:"nagle" help:"Hold back small segments while data is unacknowledged (RFC 896); off is TCP_NODELAY." linux:"TCP_NODELAY (inverted)" applies:"conn"`
	Cork       bool     `json:"cork" help:"Send only full segments until uncorked or 200 ms pass." linux:"TCP_CORK" applies:"conn"`
	DelayedAck Duration `json:"delayed_ack" help:"Longest delay of an ACK; an ACK goes at least every second full segment (RFC 9293 §3.8.6.3 / RFC 1122 4.2.3.2: under 500 ms). 0 acknowledges every segment at once." linux:"TCP_DELACK_MIN/MAX, route ato" max:"500ms" unit:"duration" applies:"conn"`
	QuickAck   bool     `json:"quick_ack" help:"Acknowledge at once at connection start and after out-of-order data." linux:"TCP_QUICKACK, route quickack" applies:"conn"`

	// Timers and retries.
	RTOInitial    Duration `json:"rto_initial" help:"Retransmission timeout before the first RTT sample (RFC 6298 §2.1 says 1 s)." linux:"(TCP_TIMEOUT_INIT, route rtt)" min:"10ms" max:"60s" applies:"conn"`
	RTOMin        Duration `json:"rto_min" help:"Smallest RTO (RFC 6298 §2.4 says 1 s; Linux uses 200 ms)." linux:"route rto_min, net.ipv4.tcp_rto_min_us" min:"1ms" max:"60s" applies:"conn"`
	RTOMax        Duration `json:"rto_max" help:"Largest RTO after backoff (RFC 6298 §2.5 allows 60 s or more)." linux:"TCP_RTO_MAX, net.ipv4.tcp_rto_max_ms" min:"1s" max:"10m" applies:"conn"`
	SynRetries    int      `json:"syn_retries" help:"SYN retransmissions of an active open before giving up." linux:"net.ipv4.tcp_syn_retries, TCP_SYNCNT" min:"1" max:"127" applies:"conn"`
	SynAckRetries int      `json:"synack_retries" help:"SYN-ACK retransmissions of a passive open." linux:"net.ipv4.tcp_synack_retries" min:"1" max:"127" applies:"conn"`
	DataRetries   int      `json:"data_retries" help:"Retransmissions of data before the connection is aborted (RFC 9293 §3.8.3 R2)." linux:"net.ipv4.tcp_retries2" min:"1" max:"255" applies:"conn"`
	UserTimeout   Duration `json:"user_timeout" help:"Abort when data stays unacknowledged this long (RFC 5482); 0 means only data_retries." linux:"TCP_USER_TIMEOUT" max:"24h" applies:"conn"`

	// Closing.
	MSL           Duration `json:"msl" help:"Maximum segment lifetime; TIME-WAIT lasts 2×MSL (RFC 9293 §3.4.2). Linux's fixed 60 s TIME-WAIT is MSL 30 s." linux:"TCP_TIMEWAIT_LEN (compile time)" min:"10ms" max:"4m" applies:"conn"`
	TimeWaitReuse bool     `json:"time_wait_reuse" help:"Let a new SYN with a higher sequence number or timestamp reopen a TIME-WAIT connection (RFC 9293 §3.10.7.4, RFC 6191)." linux:"net.ipv4.tcp_tw_reuse" applies:"conn"`
	RFC1337       bool     `json:"rfc1337" help:"In TIME-WAIT, ignore RSTs instead of closing early (RFC 1337 TIME-WAIT assassination protection)." linux:"net.ipv4.tcp_rfc1337" applies:"conn"`

	// Keepalive.
	Keepalive         bool     `json:"keepalive" help:"Probe idle connections (RFC 9293 §3.8.4; RFC 1122 says off by default)." linux:"SO_KEEPALIVE" applies:"conn"`
	KeepaliveIdle     Duration `json:"keepalive_idle" help:"Idle time before the first keepalive probe (RFC 1122 says at least 2 hours by default)." linux:"net.ipv4.tcp_keepalive_time, TCP_KEEPIDLE" min:"1s" max:"24h" applies:"conn"`
	KeepaliveInterval Duration `json:"keepalive_interval" help:"Time between unanswered keepalive probes." linux:"net.ipv4.tcp_keepalive_intvl, TCP_KEEPINTVL" min:"1s" max:"2h" applies:"conn"`
	KeepaliveCount    int      `json:"keepalive_count" help:"Unanswered probes before the connection is dropped." linux:"net.ipv4.tcp_keepalive_probes, TCP_KEEPCNT" min:"1" max:"127" applies:"conn"`

	// Listening and protection.
	Backlog           int    `json:"backlog" help:"Bound of the SYN queue and of the accept queue of each listener." linux:"listen(2) backlog, net.core.somaxconn, net.ipv4.tcp_max_syn_backlog" min:"1" max:"65535" applies:"service"`
	SynCookies        string `json:"syn_cookies" help:"SYN cookies: off; overflow (only when the SYN queue is full); always." linux:"net.ipv4.tcp_syncookies (0, 1, 2)" enum:"off,overflow,always" applies:"conn"`
	ChallengeAckLimit int    `json:"challenge_ack_limit" help:"Challenge ACKs sent per second at most (RFC 5961 §7); 0 means no limit." linux:"net.ipv4.tcp_challenge_ack_limit" min:"1" max:"1000000" zero:"none" unit:"per second" applies:"conn"`
}

// Services are the test services on tcpbox's own address.
type Services struct {
	TCPEcho    Service     `json:"tcp_echo" help:"Echo, RFC 862 (TCP)."`
	UDPEcho    Service     `json:"udp_echo" help:"Echo, RFC 862 (UDP)."`
	Discard    Service     `json:"discard" help:"Discard, RFC 863."`
	Chargen    Service     `json:"chargen" help:"Character generator, RFC 864."`
	FramedEcho Service     `json:"framed_echo" help:"Framed echo: 4-byte big-endian length, then that many bytes, echoed back framed."`
	HTTPFile   FileService `json:"http_file" help:"File transfer over HTTP/1.1."`
	FramedFile FileService `json:"framed_file" help:"Framed file protocol (PUT, GET, LIST, DELETE, STAT)."`
	Iperf3     Iperf3      `json:"iperf3" help:"iperf3-compatible server."`
}

// Service is what every service has.
type Service struct {
	Enabled      bool     `json:"enabled" help:"Serve this service." applies:"service"`
	Port         int      `json:"port" help:"Port on tcpbox's address." min:"1" max:"65535" applies:"service"`
	MaxConns     int      `json:"max_conns" help:"Most connections (or UDP peers) at once; more are refused." min:"1" max:"1000000" applies:"service"`
	PerClientMax int      `json:"per_client_max" help:"Most connections from one client address; 0 means only max_conns." min:"1" max:"1000000" zero:"none" applies:"service"`
	IdleTimeout  Duration `json:"idle_timeout" help:"Close a connection idle this long; 0 means never." max:"24h" applies:"service"`
	MaxFrame     int      `json:"max_frame" help:"Largest frame or datagram accepted; a larger announced length resets the connection and counts an error." min:"1" max:"1073741824" unit:"bytes" applies:"service"`
	MaxHeader    int      `json:"max_header" help:"Largest request header (HTTP, JSON frame header)." min:"64" max:"16777216" unit:"bytes" applies:"service"`
	Profile      string   `json:"profile" help:"Named TCP profile for this service's connections; empty means the tcp defaults." applies:"conn"`
}

// FileService is a service that stores files.
type FileService struct {
	Service
	Quota int64 `json:"quota" help:"Most bytes stored under the files directory; an upload beyond it is refused (HTTP 507)." min:"0" max:"1099511627776" unit:"bytes" applies:"service"`
}

// Iperf3 is the iperf3-compatible server.
type Iperf3 struct {
	Service
	MaxDuration Duration `json:"max_duration" help:"Longest test a client may ask for." min:"1s" max:"24h" applies:"service"`
	MaxBitrate  int64    `json:"max_bitrate" help:"Highest UDP bitrate a client may ask for; 0 means no bound." min:"1000" max:"400000000000" zero:"none" unit:"bits/s" applies:"service"`
}

// Admin is the admin page.
type Admin struct {
	Listen       string `json:"listen" help:"Address the admin page listens on through the kernel's stack; empty means every management address." linux:"(bind address)" applies:"admin"`
	Port         int    `json:"port" help:"Port of the admin page (gokrazy's own page has 80)." min:"1" max:"65535" applies:"admin"`
	AlsoOnTCPBox bool   `json:"also_on_tcpbox" help:"Also serve the admin page on tcpbox's own address through tcpbox's stack." applies:"admin"`
	PasswordHash string `json:"password_hash" help:"PBKDF2-SHA256 hash of the admin password (see HashPassword); empty means the generated or gokrazy password." applies:"admin" secret:"true"`
}
