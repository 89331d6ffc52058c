package memfile

import (
	"slices"
	"sort"
)

// sortedList is an ordered set kept as a list of sorted chunks (at most
// chunkMax elements each, every element of a chunk smaller than every
// element of the next). Insert and delete cost a binary search over the
// chunks, one within a chunk and a memmove of at most chunkMax elements;
// range scans are sequential. It uses about one key of memory per element,
// which matters at a million leases (a pointer-based tree needs several
// words more per element).
type sortedList[T any] struct {
	cmp    func(a, b T) int
	chunks [][]T
	n      int
}

const chunkMax = 512

func newSortedList[T any](cmp func(a, b T) int) *sortedList[T] {
	return &sortedList[T]{cmp: cmp}
}

// build replaces the contents with items, which must be sorted and unique.
func (s *sortedList[T]) build(items []T) {
	s.chunks = s.chunks[:0]
	s.n = len(items)
	const fill = chunkMax * 3 / 4
	for len(items) > 0 {
		k := min(fill, len(items))
		c := make([]T, k, chunkMax)
		copy(c, items[:k])
		s.chunks = append(s.chunks, c)
		items = items[k:]
	}
}

func (s *sortedList[T]) len() int { return s.n }

// chunkFor returns the index of the first chunk whose last element is >= v,
// or len(chunks) if v is greater than every element.
func (s *sortedList[T]) chunkFor(v T) int {
	return sort.Search(len(s.chunks), func(i int) bool {
		c := s.chunks[i]
		return s.cmp(c[len(c)-1], v) >= 0
	})
}

// insert adds v; it returns false (and changes nothing) if v is present.
func (s *sortedList[T]) insert(v T) bool {
	if len(s.chunks) == 0 {
		c := make([]T, 1, 16)
		c[0] = v
		s.chunks = append(s.chunks, c)
		s.n = 1
		return true
	}
	ci := s.chunkFor(v)
	if ci == len(s.chunks) {
		ci--
	}
	c := s.chunks[ci]
	j, found := slices.BinarySearchFunc(c, v, s.cmp)
	if found {
		return false
	}
	c = slices.Insert(c, j, v)
	s.n++
	if len(c) <= chunkMax {
		s.chunks[ci] = c
		return true
	}
	half := len(c) / 2
	right := make([]T, len(c)-half, chunkMax)
	copy(right, c[half:])
	clear(c[half:])
	s.chunks[ci] = c[:half]
	s.chunks = slices.Insert(s.chunks, ci+1, right)
	return true
}

// delete removes v; it returns false if v is absent.
func (s *sortedList[T]) delete(v T) bool {
	ci := s.chunkFor(v)
	if ci == len(s.chunks) {
		return false
	}
	c := s.chunks[ci]
	j, found := slices.BinarySearchFunc(c, v, s.cmp)
	if !found {
		return false
	}
	c = slices.Delete(c, j, j+1)
	s.n--
	if len(c) == 0 {
		s.chunks = slices.Delete(s.chunks, ci, ci+1)
		return true
	}
	s.chunks[ci] = c
	// Merge a small chunk into its right neighbour to bound the chunk
	// count after many deletes.
	if len(c) < chunkMax/8 && ci+1 < len(s.chunks) && len(c)+len(s.chunks[ci+1]) <= chunkMax {
		s.chunks[ci] = append(c, s.chunks[ci+1]...)
		s.chunks = slices.Delete(s.chunks, ci+1, ci+2)
	}
	return true
}

// ascend calls fn for each element >= from (> from if exclusive), in order,
// until fn returns false.
func (s *sortedList[T]) ascend(from T, exclusive bool, fn func(T) bool) {
	ci := s.chunkFor(from)
	if ci == len(s.chunks) {
		return
	}
	j, found := slices.BinarySearchFunc(s.chunks[ci], from, s.cmp)
	if found && exclusive {
		j++
	}
	for ; ci < len(s.chunks); ci++ {
		c := s.chunks[ci]
		for ; j < len(c); j++ {
			if !fn(c[j]) {
				return
			}
		}
		j = 0
	}
}

// all calls fn for every element in order until fn returns false.
func (s *sortedList[T]) all(fn func(T) bool) {
	for _, c := range s.chunks {
		for _, v := range c {
			if !fn(v) {
				return
			}
		}
	}
}
