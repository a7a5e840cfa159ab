// Package epoll is a Linux epoll instance that parks its caller in the Go
// scheduler instead of blocking a thread.
//
// The epoll descriptor is itself registered with the Go runtime's network
// poller (an epoll file descriptor is pollable: it is readable when events
// are ready). Wait asks for events without blocking and, when there are
// none, parks the goroutine until the runtime sees the descriptor become
// readable, a deadline pass, or Wake. So an event loop built on it holds no
// thread while idle, needs no help from the scheduler's monitor to hand its
// processor to other goroutines, and lets them run between its batches.
package epoll
