package main

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tickraft/raft/raftkv/internal/testpki"
	"github.com/tickraft/raft/raftkv/metrics"
)

var baseArgs = []string{"--id", "1", "--data-dir", "/d", "--initial-cluster", "1=127.0.0.1:2380"}

// TestClientTLSFlagCombinations: flags that cannot work together are
// refused while parsing, naming the flags.
func TestClientTLSFlagCombinations(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in the error; "" for none
	}{
		{[]string{"--cert-file", "c.pem"}, "--cert-file and --key-file"},
		{[]string{"--key-file", "k.pem"}, "--cert-file and --key-file"},
		{[]string{"--trusted-ca-file", "ca.pem"}, "--trusted-ca-file needs --cert-file"},
		{[]string{"--cert-file", "c.pem", "--key-file", "k.pem", "--client-cert-auth"}, "--client-cert-auth needs --trusted-ca-file"},
		{[]string{"--cert-file", "c.pem", "--key-file", "k.pem"}, ""},
		{[]string{"--cert-file", "c.pem", "--key-file", "k.pem", "--trusted-ca-file", "ca.pem", "--client-cert-auth"}, ""},
		{[]string{"--listen-client-addr", "https://127.0.0.1:2379"}, "--listen-client-addr: \"https://127.0.0.1:2379\": an https:// address needs --cert-file"},
		{[]string{"--advertise-client-addr", "https://10.0.0.1:2379"}, "--advertise-client-addr: \"https://10.0.0.1:2379\": an https:// address needs --cert-file"},
	} {
		c, err := parseFlags(append(append([]string{}, baseArgs...), tc.args...), io.Discard)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v, want no error", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: %v, want an error containing %q", tc.args, err, tc.want)
		case err == nil && c.clientTLS.cert != "c.pem":
			t.Errorf("%v: certificate file %q, want c.pem", tc.args, c.clientTLS.cert)
		}
	}
	c, err := parseFlags(append(append([]string{}, baseArgs...), "--cert-file", "c.pem", "--key-file", "k.pem",
		"--listen-client-addr", "https://127.0.0.1:2379", "--advertise-client-addr", "https://10.0.0.1:2379"), io.Discard)
	if err != nil || c.clientAddr != "127.0.0.1:2379" || c.advertiseClient != "10.0.0.1:2379" {
		t.Errorf("https:// client addresses with TLS: %v; listen %q, advertise %q", err, c.clientAddr, c.advertiseClient)
	}
}

// TestClientTLSLoad: with client certificates required, the client API
// asks for one from the trusted CA, and forwarded calls present the
// member's own certificate and trust the same CA.
func TestClientTLSLoad(t *testing.T) {
	ca := testpki.NewCA(t, "CA")
	files := ca.WriteFiles(t, t.TempDir(), "member")
	f := clientTLSFiles{cert: files.Cert, key: files.Key, ca: files.CA}
	srv, dial, err := f.load()
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Certificates) != 1 || srv.ClientAuth != tls.NoClientCert || len(dial.Certificates) != 0 || dial.RootCAs == nil {
		t.Fatalf("without --client-cert-auth: server %d certs, client auth %v; dial %d certs, roots %v",
			len(srv.Certificates), srv.ClientAuth, len(dial.Certificates), dial.RootCAs != nil)
	}
	f.clientCertAuth = true
	srv, dial, err = f.load()
	if err != nil {
		t.Fatal(err)
	}
	if srv.ClientAuth != tls.RequireAndVerifyClientCert || srv.ClientCAs == nil || len(dial.Certificates) != 1 {
		t.Fatalf("with --client-cert-auth: client auth %v, client CAs %v, dial %d certs",
			srv.ClientAuth, srv.ClientCAs != nil, len(dial.Certificates))
	}
	if srv, dial, err := (clientTLSFiles{}).load(); srv != nil || dial != nil || err != nil {
		t.Fatalf("no TLS flags: %v %v %v, want nil, nil, nil", srv, dial, err)
	}
}

// TestClientTLSBadFiles: a missing, unreadable or mismatched file is
// refused at start with an error naming the flag and the file, before
// the member starts.
func TestClientTLSBadFiles(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, "CA")
	good := ca.WriteFiles(t, dir, "member")
	other := testpki.NewCA(t, "other").WriteFiles(t, t.TempDir(), "other")
	missing := filepath.Join(dir, "missing.pem")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		files clientTLSFiles
		want  []string
	}{
		{"missing cert", clientTLSFiles{cert: missing, key: good.Key}, []string{"--cert-file", missing, "no such file"}},
		{"missing key", clientTLSFiles{cert: good.Cert, key: missing}, []string{"--key-file", missing}},
		{"key of another cert", clientTLSFiles{cert: good.Cert, key: other.Key}, []string{"--cert-file", good.Cert, "--key-file", other.Key}},
		{"garbage cert", clientTLSFiles{cert: garbage, key: good.Key}, []string{"--cert-file", garbage}},
		{"missing CA", clientTLSFiles{cert: good.Cert, key: good.Key, ca: missing}, []string{"--trusted-ca-file", missing}},
		{"garbage CA", clientTLSFiles{cert: good.Cert, key: good.Key, ca: garbage}, []string{"--trusted-ca-file", garbage, "no PEM certificate"}},
	} {
		cfg := config{clientTLS: tc.files, clientAddr: "127.0.0.1:0"}
		start := func(config, *slog.Logger, metrics.Hooks) (*node, error) {
			t.Errorf("%s: the member started despite bad TLS files", tc.name)
			return nil, context.Canceled
		}
		err := run(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), start, nil)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want an error containing %q", tc.name, err, w)
			}
		}
	}
}

// TestDialTLSFlags: the client commands' --cacert, --cert and --key.
func TestDialTLSFlags(t *testing.T) {
	files := testpki.NewCA(t, "CA").WriteFiles(t, t.TempDir(), "client")
	if c, err := (dialTLSFiles{}).load(); c != nil || err != nil {
		t.Fatalf("no flags: %v, %v; want plaintext", c, err)
	}
	c, err := (dialTLSFiles{ca: files.CA}).load()
	if err != nil || c.RootCAs == nil || len(c.Certificates) != 0 {
		t.Fatalf("--cacert only: %v, %v; want the CA as roots and no certificate", c, err)
	}
	c, err = (dialTLSFiles{ca: files.CA, cert: files.Cert, key: files.Key}).load()
	if err != nil || len(c.Certificates) != 1 {
		t.Fatalf("--cacert, --cert, --key: %v, %v; want one certificate", c, err)
	}
	if _, err := (dialTLSFiles{cert: files.Cert}).load(); err == nil || !strings.Contains(err.Error(), "--cert and --key") {
		t.Fatalf("--cert without --key: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "ca.pem")
	if _, err := (dialTLSFiles{ca: missing}).load(); err == nil || !strings.Contains(err.Error(), "--cacert "+missing) {
		t.Fatalf("missing --cacert file: %v", err)
	}
	if _, err := parseBench([]string{"--cert", files.Cert, "put"}, io.Discard); err == nil || !strings.Contains(err.Error(), "--cert and --key") {
		t.Fatalf("bench --cert without --key: %v", err)
	}
	o, err := parseBench([]string{"--cacert", files.CA, "put"}, io.Discard)
	if err != nil || o.tls == nil || o.tls.RootCAs == nil {
		t.Fatalf("bench --cacert: %+v, %v", o.tls, err)
	}
}
