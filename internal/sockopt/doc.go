// Package sockopt sets and reads the TCP socket options that decide how a
// persistent connection notices a dead peer: SO_KEEPALIVE with its idle,
// interval and count, and TCP_USER_TIMEOUT. One piece of code serves the
// server's accepted sockets and the client Transport's dialed ones;
// Settings.Resolve gives both the same defaults.
//
// On Linux the options are set on the file descriptor directly (the epoll
// engine owns raw descriptors). The portable twin uses net.TCPConn's
// SetKeepAliveConfig, which covers what other systems offer; it cannot set
// TCP_USER_TIMEOUT and says so through Supported.
//
// Info and InfoConn read TCP_INFO (Linux), which tells, once a connection
// has failed with a timeout, which kernel timer ended it: keepalive probes
// or unacknowledged data (TCPInfo.WhichTimeout). Elsewhere they report
// ENOPROTOOPT.
//
// Classify says what a socket error tells of the peer (a Fault: closed,
// reset, keepalive timeout, user timeout), with the answer of TCP_INFO
// when the error went through Diagnose. The server and the client each
// name these faults with their own close reasons.
package sockopt
