package reftest

import "testing"

func (k *kind[T, G, R, PT, PG, PR]) diffDecode(t *testing.T, data []byte)     {}
func (k *kind[T, G, R, PT, PG, PR]) gogoEncoding(t *testing.T, g *Gen) []byte { return nil }
