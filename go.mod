module github.com/tickraft/raft

go 1.26
