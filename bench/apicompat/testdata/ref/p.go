// Package p is the reference side of the comparer's synthetic test.
package p

const Limit = 10

const Width int = 4

type Kind uint8

const Mode Kind = 1

var Thing int

func Gone() {}

func Sum(xs ...int) int { return len(xs) }

func Join(a []string, sep string) string { return sep }

func Map[T any](xs []T) []T { return xs }

// Self refers to a type of this package: equal after path mapping.
func Self(p *Pair) Seq { return nil }

type Inner struct{ X int }

func (Inner) Promoted() string { return "" }

type Pair struct {
	A int `json:"a"`
	B string
	Inner
	C, D   int
	hidden int
}

func (p Pair) Get(i int) int { return p.hidden }

func (p *Pair) Set(i, v int) {}

func (p *Pair) Len() int { return 0 }

type Seq []Pair

type Store interface {
	Get(k string) ([]byte, error)
	Put(k string, v []byte) error
}

type Handle int

type Callback func(int)

type Removed struct{ F int }

func (Removed) M() {}

type Opt[T any] struct{ V T }

type Plain struct{}

type Ext interface{ M() }

type Sink = chan<- int

const Ratio = 1.0

func Tagged(struct {
	A int `x:"1"`
}) {
}
