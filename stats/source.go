package stats

// Source is what a metrics exporter follows: anything that can list its
// statistics with their latest values. *Manager is one; a program that keeps
// statistics in several Managers (two servers in one process, say) can
// export them through one Source that visits each.
//
// Each is called at scrape time; the packet path pays nothing for export.
type Source interface {
	// Each calls fn for every statistic, in order of name.
	Each(fn func(name string, v Value))
}

var _ Source = (*Manager)(nil)

// Sources is a Source made of several, visited in order: the statistics of
// two servers in one process, exported together. Names must not collide (give
// the servers' statistics distinct prefixes if they would).
type Sources []Source

// Each visits every source in order.
func (s Sources) Each(fn func(name string, v Value)) {
	for _, src := range s {
		src.Each(fn)
	}
}
