package apicompat

// pendingRaftAPI lists the identifiers of go.etcd.io/raft/v3 v3.6.0's package
// raft that tickraft does not declare yet, while the package is being
// written. The API test requires the missing set to EQUAL this list, so:
//
//   - implementing an identifier makes the test fail until its line is
//     deleted here: the list only ever shrinks, and is empty when package
//     raft is complete (then comparedPackages can mark raft strict);
//   - an identifier that goes missing and is not listed fails the test.
//
// Never add a line to make the test pass. Members of a missing type are
// listed one by one (fields as "T field F", methods as "T.M", promoted ones
// included) so that a type landing piece by piece only removes lines.
// Anything declared but different from v3.6 fails regardless of this list.
var pendingRaftAPI = []string{
	// RawNode.
	"raft.NewRawNode",
	"raft.RawNode",
	"raft.RawNode.Advance",
	"raft.RawNode.ApplyConfChange",
	"raft.RawNode.BasicStatus",
	"raft.RawNode.Bootstrap",
	"raft.RawNode.Campaign",
	"raft.RawNode.ForgetLeader",
	"raft.RawNode.HasReady",
	"raft.RawNode.Propose",
	"raft.RawNode.ProposeConfChange",
	"raft.RawNode.ReadIndex",
	"raft.RawNode.Ready",
	"raft.RawNode.ReportSnapshot",
	"raft.RawNode.ReportUnreachable",
	"raft.RawNode.Status",
	"raft.RawNode.Step",
	"raft.RawNode.Tick",
	"raft.RawNode.TickQuiesced",
	"raft.RawNode.TransferLeader",
	"raft.RawNode.WithProgress",

	// Node and its goroutine.
	"raft.ErrStopped",
	"raft.Node",
	"raft.Node.Advance",
	"raft.Node.ApplyConfChange",
	"raft.Node.Campaign",
	"raft.Node.ForgetLeader",
	"raft.Node.Propose",
	"raft.Node.ProposeConfChange",
	"raft.Node.ReadIndex",
	"raft.Node.Ready",
	"raft.Node.ReportSnapshot",
	"raft.Node.ReportUnreachable",
	"raft.Node.Status",
	"raft.Node.Step",
	"raft.Node.Stop",
	"raft.Node.Tick",
	"raft.Node.TransferLeadership",
	"raft.RestartNode",
	"raft.StartNode",

	// Status and BasicStatus; the methods are promoted from the embedded
	// raftpb.HardState, and Status adds MarshalJSON and String.
	"raft.BasicStatus",
	"raft.BasicStatus field Applied",
	"raft.BasicStatus field HardState",
	"raft.BasicStatus field ID",
	"raft.BasicStatus field LeadTransferee",
	"raft.BasicStatus field SoftState",
	"raft.BasicStatus.Descriptor",
	"raft.BasicStatus.Marshal",
	"raft.BasicStatus.MarshalTo",
	"raft.BasicStatus.MarshalToSizedBuffer",
	"raft.BasicStatus.ProtoMessage",
	"raft.BasicStatus.Reset",
	"raft.BasicStatus.Size",
	"raft.BasicStatus.String",
	"raft.BasicStatus.Unmarshal",
	"raft.BasicStatus.XXX_DiscardUnknown",
	"raft.BasicStatus.XXX_Marshal",
	"raft.BasicStatus.XXX_Merge",
	"raft.BasicStatus.XXX_Size",
	"raft.BasicStatus.XXX_Unmarshal",
	"raft.Status",
	"raft.Status field BasicStatus",
	"raft.Status field Config",
	"raft.Status field Progress",
	"raft.Status.Descriptor",
	"raft.Status.Marshal",
	"raft.Status.MarshalJSON",
	"raft.Status.MarshalTo",
	"raft.Status.MarshalToSizedBuffer",
	"raft.Status.ProtoMessage",
	"raft.Status.Reset",
	"raft.Status.Size",
	"raft.Status.String",
	"raft.Status.Unmarshal",
	"raft.Status.XXX_DiscardUnknown",
	"raft.Status.XXX_Marshal",
	"raft.Status.XXX_Merge",
	"raft.Status.XXX_Size",
	"raft.Status.XXX_Unmarshal",
}
