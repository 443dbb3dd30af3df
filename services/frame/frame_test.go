package frame

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var b bytes.Buffer
	for _, p := range [][]byte{{}, []byte("x"), bytes.Repeat([]byte{0xa5}, 70000)} {
		if err := Write(&b, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []int{0, 1, 70000} {
		got, err := Read(&b, nil, DefaultMax)
		if err != nil || len(got) != want {
			t.Fatalf("Read = %d, %v; want %d", len(got), err, want)
		}
	}
	if _, err := Read(&b, nil, DefaultMax); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
}

func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want error
	}{
		{[]byte{0, 0, 1, 1}, ErrTooLarge},              // 257 > 256
		{[]byte{0xff, 0xff, 0xff, 0xff}, ErrTooLarge},  // 4 GiB
		{[]byte{0, 0}, io.ErrUnexpectedEOF},            // truncated header
		{[]byte{0, 0, 0, 5, 'a'}, io.ErrUnexpectedEOF}, // truncated payload
	} {
		_, err := Read(bytes.NewReader(tc.in), nil, 256)
		if !errors.Is(err, tc.want) {
			t.Errorf("Read(% x) = %v, want %v", tc.in, err, tc.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 'a'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 2, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		for {
			p, err := Read(r, nil, 1024)
			if err != nil {
				return
			}
			if len(p) > 1024 {
				t.Fatalf("payload %d beyond max", len(p))
			}
		}
	})
}
