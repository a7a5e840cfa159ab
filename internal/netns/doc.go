// Package netns builds small networks of test hosts out of Linux network
// namespaces, so tests of dead-peer detection (TCP keepalive,
// TCP_USER_TIMEOUT) can watch real kernels lose a peer.
//
// New builds three hosts joined by veth pairs:
//
//	Server (eth0) <-> (to-server) Router (to-client) <-> (eth0) Client
//
// Traffic between Server and Client is routed by Router (no NAT), so each
// side sees the other's own address. The faults a test can inject are:
//
//   - Host.Crash / Host.Recover: every packet into, out of and through the
//     host is dropped silently, by an nftables table (an iptables fallback
//     when nft is unusable) inside the host's namespace. No RST, no ICMP.
//     ARP is deliberately left alone: the router keeps a neighbour entry for
//     the host and never reports it unreachable, so the peer hears nothing.
//   - Host.Reboot: the host crashes, the given sockets are destroyed (their
//     reset is dropped; Reboot checks with ss that the kernel has forgotten
//     them), and the host comes back without them; the peer's next segment
//     is answered with RST by the host's kernel.
//   - Topology.BreakPath / Topology.RepairPath: the router silently stops
//     forwarding; both end hosts stay up.
//
// Sockets belong to the namespace they were created in. Host.Listen,
// Host.Dial and Host.Dialer create them inside the host; the returned
// net.Listener and net.Conn can then be used from any goroutine. For custom
// net.ListenConfig settings, create the socket inside Host.Do. Note that Go
// turns TCP keepalive on (15 s) for dialed and accepted connections unless
// the net.Dialer or net.ListenConfig says otherwise.
//
// Host.Do switches a locked OS thread into the namespace and back again,
// rather than letting the thread exit: the runtime never ends the main
// thread, it parks it, and a parked thread left in a namespace would keep
// that namespace alive until the process exits.
//
// Nothing is created in the root namespace: veth pairs are created directly
// inside their namespaces, and New registers a t.Cleanup that deletes the
// namespaces, which takes the veths, addresses, routes and filter rules with
// them. A namespace lives on, invisible, while any socket created in it is
// still open, so tests close their sockets in cleanups registered after New
// (cleanups run last-in first-out). Leftovers reports the namespaces this
// process created that still exist; a TestMain asserts it is empty.
//
// Names are "hf-<pid>-<n>-<role>", unique per process and per New call, so
// parallel tests and parallel test binaries never collide. Each topology's
// addresses are also distinct within a process (10.X.Y.0/25 and
// 10.X.Y.128/25 from a counter) to keep logs unambiguous; they could not
// clash anyway, since every address lives only inside its own namespaces.
//
// New needs Linux, root with CAP_SYS_ADMIN and CAP_NET_ADMIN, the ip and
// ss commands (iproute2) and nft or iptables. When any is missing the test
// is skipped with a message naming what is missing. tc netem is not used:
// it is not available in every kernel these tests run on.
package netns
