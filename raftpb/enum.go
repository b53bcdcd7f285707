package raftpb

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// The enums' String, Enum and UnmarshalJSON methods behave like the ones
// gogo/protobuf generates: String gives the name, or the decimal number for
// a value the schema does not know; UnmarshalJSON takes a name or a number.

func (x EntryType) String() string            { return enumName(EntryType_name, int32(x)) }
func (x MessageType) String() string          { return enumName(MessageType_name, int32(x)) }
func (x ConfChangeTransition) String() string { return enumName(ConfChangeTransition_name, int32(x)) }
func (x ConfChangeType) String() string       { return enumName(ConfChangeType_name, int32(x)) }

// Enum returns a pointer to a copy of x, as proto2 optional fields want.
func (x EntryType) Enum() *EntryType { return &x }

// Enum returns a pointer to a copy of x, as proto2 optional fields want.
func (x MessageType) Enum() *MessageType { return &x }

// Enum returns a pointer to a copy of x, as proto2 optional fields want.
func (x ConfChangeTransition) Enum() *ConfChangeTransition { return &x }

// Enum returns a pointer to a copy of x, as proto2 optional fields want.
func (x ConfChangeType) Enum() *ConfChangeType { return &x }

// UnmarshalJSON sets x from a JSON string holding a name or a JSON number.
func (x *EntryType) UnmarshalJSON(data []byte) error {
	v, err := unmarshalJSONEnum(EntryType_value, data, "EntryType")
	if err != nil {
		return err
	}
	*x = EntryType(v)
	return nil
}

// UnmarshalJSON sets x from a JSON string holding a name or a JSON number.
func (x *MessageType) UnmarshalJSON(data []byte) error {
	v, err := unmarshalJSONEnum(MessageType_value, data, "MessageType")
	if err != nil {
		return err
	}
	*x = MessageType(v)
	return nil
}

// UnmarshalJSON sets x from a JSON string holding a name or a JSON number.
func (x *ConfChangeTransition) UnmarshalJSON(data []byte) error {
	v, err := unmarshalJSONEnum(ConfChangeTransition_value, data, "ConfChangeTransition")
	if err != nil {
		return err
	}
	*x = ConfChangeTransition(v)
	return nil
}

// UnmarshalJSON sets x from a JSON string holding a name or a JSON number.
func (x *ConfChangeType) UnmarshalJSON(data []byte) error {
	v, err := unmarshalJSONEnum(ConfChangeType_value, data, "ConfChangeType")
	if err != nil {
		return err
	}
	*x = ConfChangeType(v)
	return nil
}

// enumName is the name of v, or its decimal form when it has none. Neither
// path allocates for the values raft uses (strconv keeps small numbers).
func enumName(names map[int32]string, v int32) string {
	if s, ok := names[v]; ok {
		return s
	}
	return strconv.Itoa(int(v))
}

// unmarshalJSONEnum reads an enum written by encoding/json or jsonpb: a
// string must be a known name; a number is taken as is, known or not, so
// that values from a newer schema survive a round trip.
func unmarshalJSONEnum(values map[string]int32, data []byte, enum string) (int32, error) {
	if len(data) > 0 && data[0] == '"' {
		var name string
		if err := json.Unmarshal(data, &name); err != nil {
			return 0, fmt.Errorf("raftpb: cannot unmarshal %s into enum %s: %v", data, enum, err)
		}
		v, ok := values[name]
		if !ok {
			return 0, fmt.Errorf("raftpb: unrecognized enum %s value %q", enum, name)
		}
		return v, nil
	}
	var v int32
	if err := json.Unmarshal(data, &v); err != nil {
		return 0, fmt.Errorf("raftpb: cannot unmarshal %#q into enum %s: %v", data, enum, err)
	}
	return v, nil
}

// EnumDescriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of EntryType in it.
func (EntryType) EnumDescriptor() ([]byte, []int) { return fileDescriptorRaft, []int{0} }

// EnumDescriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of MessageType in it.
func (MessageType) EnumDescriptor() ([]byte, []int) { return fileDescriptorRaft, []int{1} }

// EnumDescriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of ConfChangeTransition in it.
func (ConfChangeTransition) EnumDescriptor() ([]byte, []int) { return fileDescriptorRaft, []int{2} }

// EnumDescriptor returns the gzipped FileDescriptorProto of raft.proto and
// the path of ConfChangeType in it.
func (ConfChangeType) EnumDescriptor() ([]byte, []int) { return fileDescriptorRaft, []int{3} }
