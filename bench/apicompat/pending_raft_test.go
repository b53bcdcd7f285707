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
}
