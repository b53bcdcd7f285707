// Package p is our side of the comparer's synthetic test.
package p

const Limit = 11

const Width int64 = 4

type Kind byte

const Mode Kind = 1

func Thing() {}

func Sum(ys ...int) int { return len(ys) }

func Join(a []string, sep byte) string { return "" }

func Map[E comparable](xs []E) []E { return xs }

func Self(q *Pair) Seq { return nil }

type Inner struct{ X int }

func (Inner) Promoted() string { return "" }

type Pair struct {
	A      int `json:"a,omitempty"`
	B      []string
	Inner  Inner
	D      int
	C      int
	E      int
	hidden int
}

func (p *Pair) Get(i int) int { return p.hidden }

func (p *Pair) Set(i int, v int64) {}

type Seq []Pair

type Store interface {
	Get(k string) ([]byte, error)
	Put(k string, v []byte)
	Close() error
}

type Handle = int

type Callback struct{}

func NewThing() {}

type Opt[T comparable] struct{ V T }

type Plain[T any] struct{}

type Ext interface {
	M()
	ext()
}

type Sink = <-chan int

const Ratio = 1

func Tagged(struct {
	A int `x:"2"`
}) {
}
