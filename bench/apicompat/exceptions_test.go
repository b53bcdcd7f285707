package apicompat

// exceptions is the one table of deliberate differences from v3.6. Each row
// must say why a program that built against v3.6 still builds against
// tickraft; a row that no longer matches anything fails the test.
var exceptions = []Exception{
	{
		// Also matches the copies promoted into raft.Ready, raft.BasicStatus
		// and raft.Status through their embedded raftpb.HardState.
		ID: "*.XXX_Merge",
		Detail: "signature differs: " +
			"v3.6 func(google.golang.org/protobuf/runtime/protoiface.MessageV1), " +
			"tickraft func(interface{ProtoMessage(); Reset(); String() string})",
		Reason: "v3.6's parameter is github.com/golang/protobuf/proto.Message, an " +
			"alias of protoiface.MessageV1; ours is an interface literal with " +
			"exactly its method set, so every argument a v3.6 caller passes " +
			"still converts implicitly. Only code that stores the method value " +
			"in a variable of type func(proto.Message) would stop building.",
	},
}
