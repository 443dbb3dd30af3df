// Package minheap is a binary min-heap over a slice of values that order
// themselves (Before). Unlike container/heap it never boxes a value in an
// interface, so pushing and popping allocate nothing once the slice has
// grown: the stack's SYN-queue timers and the impairment link's held
// frames use it on paths that must not allocate.
package minheap

// Ordered is a value that sorts before another.
type Ordered[T any] interface {
	Before(T) bool
}

// Push adds x to the heap h.
func Push[T Ordered[T]](h *[]T, x T) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].Before(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

// Pop removes and returns the first value of h, which must not be empty.
func Pop[T Ordered[T]](h *[]T) T {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	var zero T
	s[last] = zero
	s = s[:last]
	down(s, 0)
	*h = s
	return top
}

// Init orders an arbitrary slice as a heap.
func Init[T Ordered[T]](s []T) {
	for i := len(s)/2 - 1; i >= 0; i-- {
		down(s, i)
	}
}

func down[T Ordered[T]](s []T, i int) {
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s[l].Before(s[m]) {
			m = l
		}
		if r < len(s) && s[r].Before(s[m]) {
			m = r
		}
		if m == i {
			return
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
}
