package reftest

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
)

// tickCodec is the codec of a tickraft raftpb type (a pointer to T).
type tickCodec[T any] interface {
	*T
	Marshal() ([]byte, error)
	MarshalTo([]byte) (int, error)
	MarshalToSizedBuffer([]byte) (int, error)
	Size() int
	Unmarshal([]byte) error
	UnmarshalAlias([]byte) error
	Reset()
}

// gogoCodec is the codec of a gogo reference type (a pointer to G).
type gogoCodec[G any] interface {
	*G
	Marshal() ([]byte, error)
	Size() int
	Unmarshal([]byte) error
}

// gorefMessage is a protoc-gen-go reference type (a pointer to R).
type gorefMessage[R any] interface {
	*R
	proto.Message
}

// kind ties one tickraft type (T, its codec PT) to its generator and to
// its gogo (G) and protoc-gen-go (R) reference types.
type kind[T, G, R any, PT tickCodec[T], PG gogoCodec[G], PR gorefMessage[R]] struct {
	name      string
	gen       func(*Gen) T
	toGogo    func(T) G
	fromGogo  func(G) T
	toGoref   func(T) *R
	fromGoref func(*R) T
}

func newKind[T, G, R any, PT tickCodec[T], PG gogoCodec[G], PR gorefMessage[R]](
	name string, gen func(*Gen) T,
	toGogo func(T) G, fromGogo func(G) T,
	toGoref func(T) *R, fromGoref func(*R) T,
) *kind[T, G, R, PT, PG, PR] {
	return &kind[T, G, R, PT, PG, PR]{name, gen, toGogo, fromGogo, toGoref, fromGoref}
}

// checker is a kind with its type parameters hidden, so that the nine
// kinds fit in one table.
type checker interface {
	Name() string
	// checkEncode encodes a random value with every Marshal variant.
	checkEncode(t *testing.T, g *Gen)
	// checkDecodeGogo decodes the gogo encoding of a random value.
	checkDecodeGogo(t *testing.T, g *Gen)
	// checkDecodeGoref decodes the protoc-gen-go encoding of a random value.
	checkDecodeGoref(t *testing.T, g *Gen)
	// checkReferencesDecode decodes tickraft's encoding with both references.
	checkReferencesDecode(t *testing.T, g *Gen)
	// checkUnknownFields decodes a random value's encoding with unknown
	// fields around it.
	checkUnknownFields(t *testing.T, g *Gen, unknown []byte)
	// diffDecode decodes arbitrary bytes with tickraft and gogo.
	diffDecode(t *testing.T, data []byte)
	// gogoEncoding is the gogo encoding of a random value.
	gogoEncoding(g *Gen) ([]byte, error)
	// decodeErrors decodes data with tickraft and gogo and returns their errors.
	decodeErrors(data []byte) (ours, gogo error)
}

// The nine message types of raft.proto.
var (
	entryKind            = newKind("Entry", (*Gen).Entry, EntryToGogo, EntryFromGogo, EntryToGoref, EntryFromGoref)
	snapshotMetadataKind = newKind("SnapshotMetadata", (*Gen).SnapshotMetadata, SnapshotMetadataToGogo, SnapshotMetadataFromGogo, SnapshotMetadataToGoref, SnapshotMetadataFromGoref)
	snapshotKind         = newKind("Snapshot", (*Gen).Snapshot, SnapshotToGogo, SnapshotFromGogo, SnapshotToGoref, SnapshotFromGoref)
	messageKind          = newKind("Message", (*Gen).Message, MessageToGogo, MessageFromGogo, MessageToGoref, MessageFromGoref)
	hardStateKind        = newKind("HardState", (*Gen).HardState, HardStateToGogo, HardStateFromGogo, HardStateToGoref, HardStateFromGoref)
	confStateKind        = newKind("ConfState", (*Gen).ConfState, ConfStateToGogo, ConfStateFromGogo, ConfStateToGoref, ConfStateFromGoref)
	confChangeKind       = newKind("ConfChange", (*Gen).ConfChange, ConfChangeToGogo, ConfChangeFromGogo, ConfChangeToGoref, ConfChangeFromGoref)
	confChangeSingleKind = newKind("ConfChangeSingle", (*Gen).ConfChangeSingle, ConfChangeSingleToGogo, ConfChangeSingleFromGogo, ConfChangeSingleToGoref, ConfChangeSingleFromGoref)
	confChangeV2Kind     = newKind("ConfChangeV2", (*Gen).ConfChangeV2, ConfChangeV2ToGogo, ConfChangeV2FromGogo, ConfChangeV2ToGoref, ConfChangeV2FromGoref)

	allKinds = []checker{
		entryKind, snapshotMetadataKind, snapshotKind, messageKind, hardStateKind,
		confStateKind, confChangeKind, confChangeSingleKind, confChangeV2Kind,
	}
)

func (k *kind[T, G, R, PT, PG, PR]) Name() string { return k.name }

// dropEmptyRepeated sets every empty repeated field inside *v to nil. No
// encoding tells an empty repeated field from an absent one: both write
// nothing, and every decoder returns nil. Bytes fields are not repeated
// fields: nil and empty bytes stay distinct. It changes v in place, slices
// shared with other values included.
func dropEmptyRepeated(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			dropEmptyRepeated(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			dropEmptyRepeated(v.Field(i))
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		if v.Type().Elem().Kind() != reflect.Struct {
			return
		}
		for i := range v.Len() {
			dropEmptyRepeated(v.Index(i))
		}
	}
}

// decoded is what decoding an encoding of v must return: v without its
// empty repeated fields. v is changed in place.
func decoded[T any](v T) T {
	dropEmptyRepeated(reflect.ValueOf(&v))
	return v
}

// diff is empty when want and got are equal, nil and empty slices told
// apart, and otherwise says how they differ.
func diff[T any](want, got T) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	if d := cmp.Diff(want, got); d != "" {
		return "(-want +got):\n" + d
	}
	return "values differ but cmp sees no difference"
}
