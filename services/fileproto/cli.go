package fileproto

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/tcpbox/tcpbox/services/cliargs"
)

// The `tcpbox put`, `tcpbox get` and `tcpbox ls` subcommands. Each takes
// its arguments (without the subcommand name) and returns the exit code:
// 0 success, 1 failure, 2 usage error.

const dialTimeout = 10 * time.Second

func usage(stderr io.Writer, line string, s *cliargs.Set, err error) int {
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
	}
	fmt.Fprintf(stderr, "usage: %s\n%s", line, s.Usage())
	return 2
}

func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MB/s", float64(n)/d.Seconds()/1e6)
}

// PutMain: tcpbox put [-name NAME] [-resume=true] FILE HOST[:PORT]
func PutMain(args []string, stdout, stderr io.Writer) int {
	var (
		s      cliargs.Set
		name   string
		resume bool
	)
	s.String(&name, "name", "", "name on the server (default: the file's base name)")
	s.Bool(&resume, "resume", true, "keep a partial upload on the server and continue it on the next run")
	const line = "tcpbox put [options] FILE HOST[:PORT]"
	rest, err := s.Parse(args)
	if err != nil || len(rest) != 2 {
		return usage(stderr, line, &s, err)
	}
	path, host := rest[0], rest[1]
	if name == "" {
		name = filepath.Base(path)
	}
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "put: %v\n", err)
		return 1
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		fmt.Fprintf(stderr, "put: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	c, err := Dial(ctx, host)
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "put: %v\n", err)
		return 1
	}
	defer c.Close()
	start := time.Now()
	var first int64 = -1
	r, err := c.Put(name, f, fi.Size(), resume, func(done, _ int64) {
		if first < 0 {
			first = done
		}
	})
	if err != nil {
		fmt.Fprintf(stderr, "put: %v\n", err)
		return 1
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "put %s: %d bytes in %.2fs (%s), sha256 %s\n", r.Name, r.Size, el.Seconds(), rate(r.Size, el), r.SHA256)
	return 0
}

// GetMain: tcpbox get [-o FILE] NAME HOST[:PORT]
//
// The download goes to FILE.part, resumed if it exists, and is renamed to
// FILE once its SHA-256 checks.
func GetMain(args []string, stdout, stderr io.Writer) int {
	var (
		s   cliargs.Set
		out string
	)
	s.String(&out, "o", "", "output file (default: the name's base name)")
	const line = "tcpbox get [options] NAME HOST[:PORT]"
	rest, err := s.Parse(args)
	if err != nil || len(rest) != 2 {
		return usage(stderr, line, &s, err)
	}
	name, host := rest[0], rest[1]
	if out == "" {
		out = filepath.Base(name)
	}
	part := out + ".part"
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Fprintf(stderr, "get: %v\n", err)
		return 1
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		fmt.Fprintf(stderr, "get: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	c, err := Dial(ctx, host)
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "get: %v\n", err)
		return 1
	}
	defer c.Close()
	offset := fi.Size()
	start := time.Now()
	res, err := c.Get(name, f, offset, nil)
	var pe *ProtoError
	if errors.As(err, &pe) && pe.Code == CodeBadOffset {
		// Our partial is longer than the file now: start again.
		f.Truncate(0)
		res, err = c.Get(name, f, 0, nil)
	}
	if errors.Is(err, ErrChecksum) {
		f.Truncate(0) // not trustworthy: the next run starts over
	}
	if err != nil {
		fmt.Fprintf(stderr, "get: %v\n", err)
		return 1
	}
	if err := f.Truncate(res.Size); err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Rename(part, out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "get: %v\n", err)
		return 1
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "get %s: %d bytes (%d resumed) in %.2fs (%s), sha256 %s -> %s\n",
		name, res.Size, res.From, el.Seconds(), rate(res.Size-res.From, el), res.SHA256, out)
	return 0
}

// LsMain: tcpbox ls [-json] HOST[:PORT] [DIR]
func LsMain(args []string, stdout, stderr io.Writer) int {
	var (
		s       cliargs.Set
		jsonOut bool
	)
	s.Bool(&jsonOut, "json", false, "print JSON")
	const line = "tcpbox ls [options] HOST[:PORT] [DIR]"
	rest, err := s.Parse(args)
	if err != nil || len(rest) < 1 || len(rest) > 2 {
		return usage(stderr, line, &s, err)
	}
	dir := ""
	if len(rest) == 2 {
		dir = rest[1]
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	c, err := Dial(ctx, rest[0])
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "ls: %v\n", err)
		return 1
	}
	defer c.Close()
	entries, err := c.List(dir)
	if err != nil {
		fmt.Fprintf(stderr, "ls: %v\n", err)
		return 1
	}
	if jsonOut {
		json.NewEncoder(stdout).Encode(entries)
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', tabwriter.AlignRight)
	for _, e := range entries {
		n := e.Name
		if e.Dir {
			n += "/"
		}
		fmt.Fprintf(tw, "%d\t%s\t %s\n", e.Size, e.ModTime.Format("2006-01-02 15:04"), n)
	}
	tw.Flush()
	return 0
}
