package quorum

// ackedMap is an AckedIndexer backed by a map; IDs absent from it are not found.
type ackedMap map[uint64]Index

func (m ackedMap) AckedIndex(id uint64) (Index, bool) {
	idx, ok := m[id]
	return idx, ok
}

// majority builds a MajorityConfig from IDs.
func majority(ids ...uint64) MajorityConfig {
	c := MajorityConfig{}
	for _, id := range ids {
		c[id] = struct{}{}
	}
	return c
}
