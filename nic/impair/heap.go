package impair

import "github.com/tcpbox/tcpbox/internal/minheap"

// item is a held frame: buffer idx is released at time at; seq breaks
// ties so that frames released at the same instant keep their order.
type item struct {
	at  int64
	seq uint64
	idx int32
}

// Before orders items by release time, then by arrival.
func (a item) Before(b item) bool {
	return a.at < b.at || a.at == b.at && a.seq < b.seq
}

// releaseHeap is a min-heap of items by release time (internal/minheap:
// pushing and popping never box values, no allocation per frame).
type releaseHeap []item

func (h *releaseHeap) push(it item) { minheap.Push((*[]item)(h), it) }

func (h *releaseHeap) pop() item { return minheap.Pop((*[]item)(h)) }
