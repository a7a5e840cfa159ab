// Package deploy holds what it takes to run holdfast as a service: an
// example configuration file (holdfast.yaml, with the site it serves in
// www), a hardened systemd unit (systemd/) and Kubernetes manifests
// (kubernetes/). docs/deploy.md explains them. It is a Go module of its
// own so that its tests, which decode the manifests into the Kubernetes
// API types, do not add those types to holdfast's dependencies.
package deploy
