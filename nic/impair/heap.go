package impair

// item is a held frame: buffer idx is released at time at; seq breaks
// ties so that frames released at the same instant keep their order.
type item struct {
	at  int64
	seq uint64
	idx int32
}

func (a item) before(b item) bool {
	return a.at < b.at || a.at == b.at && a.seq < b.seq
}

// releaseHeap is a binary min-heap of items by release time. It is
// written out rather than built on container/heap so that pushing and
// popping never box values (no allocation per frame).
type releaseHeap []item

func (h *releaseHeap) push(it item) {
	*h = append(*h, it)
	s := *h
	i := len(s) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !s[i].before(s[parent]) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *releaseHeap) pop() item {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s[l].before(s[m]) {
			m = l
		}
		if r < len(s) && s[r].before(s[m]) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
