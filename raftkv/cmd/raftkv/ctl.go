package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

const ctlUsage = `raftkv ctl is a small client for a raftkv (or etcd) cluster.

  raftkv ctl [flags] put KEY VALUE
  raftkv ctl [flags] get KEY          (--prefix: every key under KEY)
  raftkv ctl [flags] del KEY          (--prefix: every key under KEY)
  raftkv ctl [flags] status           one line per endpoint; exits 1 if any is down
  raftkv ctl [flags] leader           waits for a leader and prints its endpoint

Flags:
`

// ctlFlags are raftkv ctl's options.
type ctlFlags struct {
	endpoints    []string
	timeout      time.Duration
	prefix       bool
	serializable bool
	tls          dialTLSFiles
}

// ctl runs `raftkv ctl args...`, writing results to out.
func ctl(args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("raftkv ctl", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprint(errOut, ctlUsage)
		fs.PrintDefaults()
	}
	var f ctlFlags
	eps := fs.String("endpoints", "127.0.0.1:2379", "comma-separated client addresses")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Second, "deadline of the whole command")
	fs.BoolVar(&f.prefix, "prefix", false, "get or del every key starting with KEY")
	fs.BoolVar(&f.serializable, "serializable", false, "get from the endpoint's local state, without a leader round")
	f.tls.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	f.endpoints = strings.Split(*eps, ",")
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("ctl: no command given")
	}
	tlsCfg, err := f.tls.load()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	c, err := clientv3.New(clientv3.Config{Endpoints: f.endpoints, DialTimeout: f.timeout, Logger: zap.NewNop(), TLS: tlsCfg})
	if err != nil {
		return err
	}
	defer c.Close()
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	want := map[string]int{"put": 2, "get": 1, "del": 1, "status": 0, "leader": 0}
	n, ok := want[cmd]
	if !ok {
		return fmt.Errorf("ctl: unknown command %q (put, get, del, status, leader)", cmd)
	}
	if len(rest) != n {
		return fmt.Errorf("ctl %s takes %d arguments, got %d", cmd, n, len(rest))
	}
	switch cmd {
	case "put":
		return ctlPut(ctx, c, out, rest[0], rest[1])
	case "get":
		return ctlGet(ctx, c, out, f, rest[0])
	case "del":
		return ctlDel(ctx, c, out, f, rest[0])
	case "status":
		return ctlStatus(ctx, c, out, f.endpoints)
	default:
		return ctlLeader(ctx, c, out, f.endpoints)
	}
}

func ctlPut(ctx context.Context, c *clientv3.Client, out io.Writer, k, v string) error {
	resp, err := c.Put(ctx, k, v)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "OK (revision %d, by member %x)\n", resp.Header.Revision, resp.Header.MemberId)
	return nil
}

func ctlGet(ctx context.Context, c *clientv3.Client, out io.Writer, f ctlFlags, k string) error {
	var opts []clientv3.OpOption
	if f.prefix {
		opts = append(opts, clientv3.WithPrefix())
	}
	if f.serializable {
		opts = append(opts, clientv3.WithSerializable())
	}
	resp, err := c.Get(ctx, k, opts...)
	if err != nil {
		return err
	}
	for _, kv := range resp.Kvs {
		fmt.Fprintf(out, "%s = %s\n", kv.Key, kv.Value)
	}
	if len(resp.Kvs) == 0 {
		fmt.Fprintf(out, "(no key %s)\n", k)
	}
	return nil
}

func ctlDel(ctx context.Context, c *clientv3.Client, out io.Writer, f ctlFlags, k string) error {
	var opts []clientv3.OpOption
	if f.prefix {
		opts = append(opts, clientv3.WithPrefix())
	}
	resp, err := c.Delete(ctx, k, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted %d\n", resp.Deleted)
	return nil
}

// ctlStatus prints each endpoint's view; a down endpoint is reported and
// makes the command fail after the others are printed.
func ctlStatus(ctx context.Context, c *clientv3.Client, out io.Writer, eps []string) error {
	var down int
	for _, ep := range eps {
		st, err := endpointStatus(ctx, c, ep)
		if err != nil {
			fmt.Fprintf(out, "%-16s  down (%v)\n", ep, err)
			down++
			continue
		}
		role := "follower"
		if st.Leader == st.Header.MemberId {
			role = "LEADER"
		}
		fmt.Fprintf(out, "%-16s  member %x  %-8s  leader %x  term %d  revision %d  applied %d\n",
			ep, st.Header.MemberId, role, st.Leader, st.RaftTerm, st.Header.Revision, st.RaftAppliedIndex)
	}
	if down > 0 {
		return fmt.Errorf("%d of %d endpoints are down", down, len(eps))
	}
	return nil
}

// ctlLeader waits until an endpoint reports itself leader and prints that
// endpoint and its member id.
func ctlLeader(ctx context.Context, c *clientv3.Client, out io.Writer, eps []string) error {
	for {
		for _, ep := range eps {
			st, err := endpointStatus(ctx, c, ep)
			if err == nil && st.Leader != 0 && st.Leader == st.Header.MemberId {
				fmt.Fprintf(out, "%s %x\n", ep, st.Leader)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return errors.New("ctl leader: no endpoint leads")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// statusWait bounds one endpoint's Status, so a down member does not use
// up the whole command's deadline.
const statusWait = time.Second

func endpointStatus(ctx context.Context, c *clientv3.Client, ep string) (*clientv3.StatusResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, statusWait)
	defer cancel()
	st, err := c.Status(ctx, ep)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("no answer within %v", statusWait)
	}
	return st, err
}
