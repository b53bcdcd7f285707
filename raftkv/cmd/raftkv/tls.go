package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// clientTLSFiles secure the client API, with etcd's flag names. Members
// forwarding calls to the leader's client API use the same files.
type clientTLSFiles struct {
	cert, key, ca  string
	clientCertAuth bool
}

func (f *clientTLSFiles) register(fs *flag.FlagSet) {
	fs.StringVar(&f.cert, "cert-file", "", "client API TLS certificate (with --key-file); the client API is plaintext without it")
	fs.StringVar(&f.key, "key-file", "", "client API TLS key")
	fs.StringVar(&f.ca, "trusted-ca-file", "", "CA trusted for client certificates and for the other members' client API certificates when forwarding calls to the leader")
	fs.BoolVar(&f.clientCertAuth, "client-cert-auth", false, "require client certificates signed by --trusted-ca-file; forwarded calls present --cert-file")
}

// hostPort reads a client address as hostPort does, and also accepts an
// https:// URL (etcd's form) when the client API serves TLS.
func (f clientTLSFiles) hostPort(s string) (string, error) {
	if rest, ok := strings.CutPrefix(s, "https://"); ok {
		if f.cert == "" {
			return "", fmt.Errorf("%q: an https:// address needs --cert-file and --key-file", s)
		}
		s = rest
	}
	return hostPort(s)
}

// check validates the combination of flags; load reads the files.
func (f clientTLSFiles) check() error {
	switch {
	case (f.cert == "") != (f.key == ""):
		return errors.New("--cert-file and --key-file must be given together")
	case f.ca != "" && f.cert == "":
		return errors.New("--trusted-ca-file needs --cert-file and --key-file: the client API serves TLS only with a certificate")
	case f.clientCertAuth && f.ca == "":
		return errors.New("--client-cert-auth needs --trusted-ca-file, the CA that signs client certificates")
	}
	return nil
}

// load returns the client API's TLS configuration and the one members
// use to dial each other's client API, or nil and nil without TLS.
func (f clientTLSFiles) load() (server, dial *tls.Config, err error) {
	if f.cert == "" {
		return nil, nil, nil
	}
	cert, err := loadKeyPair("--cert-file", f.cert, "--key-file", f.key)
	if err != nil {
		return nil, nil, err
	}
	server = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	dial = &tls.Config{MinVersion: tls.VersionTLS12}
	if f.ca != "" {
		pool, err := loadCAPool("--trusted-ca-file", f.ca)
		if err != nil {
			return nil, nil, err
		}
		dial.RootCAs = pool
		if f.clientCertAuth {
			server.ClientCAs = pool
			server.ClientAuth = tls.RequireAndVerifyClientCert
			dial.Certificates = []tls.Certificate{cert}
		}
	}
	return server, dial, nil
}

// dialTLSFiles are a client's TLS flags, with etcdctl's names.
type dialTLSFiles struct{ ca, cert, key string }

func (f *dialTLSFiles) register(fs *flag.FlagSet) {
	fs.StringVar(&f.ca, "cacert", "", "CA that signs the servers' certificates: connect with TLS")
	fs.StringVar(&f.cert, "cert", "", "client certificate for servers requiring one (with --key; implies TLS)")
	fs.StringVar(&f.key, "key", "", "key of --cert")
}

// load returns the TLS configuration the flags ask for, nil for none.
// Without --cacert the system's roots verify the servers.
func (f dialTLSFiles) load() (*tls.Config, error) {
	if (f.cert == "") != (f.key == "") {
		return nil, errors.New("--cert and --key must be given together")
	}
	if f.ca == "" && f.cert == "" {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.ca != "" {
		pool, err := loadCAPool("--cacert", f.ca)
		if err != nil {
			return nil, err
		}
		c.RootCAs = pool
	}
	if f.cert != "" {
		cert, err := loadKeyPair("--cert", f.cert, "--key", f.key)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// readFlagFile reads the file a flag names; its errors name both.
func readFlagFile(flagName, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flagName, path, err)
	}
	return b, nil
}

func loadKeyPair(certFlag, certPath, keyFlag, keyPath string) (tls.Certificate, error) {
	certPEM, err := readFlagFile(certFlag, certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := readFlagFile(keyFlag, keyPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s %s with %s %s: %w", certFlag, certPath, keyFlag, keyPath, err)
	}
	return cert, nil
}

func loadCAPool(flagName, path string) (*x509.CertPool, error) {
	b, err := readFlagFile(flagName, path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s %s: no PEM certificate in the file", flagName, path)
	}
	return pool, nil
}
