package tcp

import "errors"

// Sentinel errors a connection reports through Err. The glue maps them to
// *net.OpError values wrapping the matching errno.
var (
	ErrConnRefused  = errors.New("tcp: connection refused")   // RST in answer to our SYN: ECONNREFUSED
	ErrConnReset    = errors.New("tcp: connection reset")     // RST in a synchronized state: ECONNRESET
	ErrTimeout      = errors.New("tcp: connection timed out") // retries or user timeout exhausted: ETIMEDOUT
	ErrClosed       = errors.New("tcp: connection closed")    // used after Close: net.ErrClosed
	ErrAborted      = errors.New("tcp: connection aborted")   // Abort called locally: ECONNABORTED
	ErrWriteClosed  = errors.New("tcp: write side closed")    // Write after CloseWrite: EPIPE
	ErrNotConnected = errors.New("tcp: not connected")        // Write before the handshake began: ENOTCONN
	ErrState        = errors.New("tcp: invalid state for operation")
)
