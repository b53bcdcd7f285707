// Package grpcapi serves raftkv over etcd's v3 gRPC API, so that etcdctl and
// go.etcd.io/etcd/client/v3 work against a raftkv cluster unchanged.
//
// It registers etcd's KV, Cluster, Maintenance, Watch, Lease and Auth
// services. KV, the Cluster membership calls and Maintenance.Status are
// served by a Backend (the raftkv node); everything else answers with the
// gRPC code etcd would use and a message naming what raftkv does not
// support. Errors with an etcd equivalent carry etcd's exact message, so the
// client library turns them into its rpctypes errors. See
// docs/design/raftkv-api.md.
package grpcapi
