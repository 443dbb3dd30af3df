package build

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goBuild compiles pkg for linux/goarch the way gokrazy builds its
// binaries (static, tags gokrazy,netgo,osusergo), reproducibly
// (-trimpath, no VCS stamp), running the go command in dir.
func goBuild(dir, goarch, pkg, out string, ldflags string) error {
	args := []string{"build", "-tags", "gokrazy,netgo,osusergo", "-trimpath", "-buildvcs=false", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch, "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build: go build %s for %s: %v\n%s", pkg, goarch, err, stderr.String())
	}
	return nil
}

// moduleDir returns the directory of a module in the module cache, as
// required by the tcpbox module in repo.
func moduleDir(repo, mod string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod)
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		return "", fmt.Errorf("build: locate module %s: %v\n%s", mod, err, stderr)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		// Required but not downloaded yet.
		dl := exec.Command("go", "mod", "download", mod)
		dl.Dir = repo
		if out, err := dl.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build: download %s: %v\n%s", mod, err, out)
		}
		return moduleDir(repo, mod)
	}
	return dir, nil
}

// binaries are the compiled programs of the root file system.
type binaries struct {
	init, dhcp, tcpbox []byte
}

func compile(c *Config, t target, tmp string) (*binaries, error) {
	ts := c.Time.UTC().Format("2006-01-02T15:04:05Z")
	var b binaries
	for _, job := range []struct {
		dir, pkg, out, ldflags string
		dst                    *[]byte
	}{
		{c.RepoDir, "./image/gokinit", "init", "-X main.buildTimestamp=" + ts, &b.init},
		{filepath.Join(c.RepoDir, "image", "dhcpmod"), "github.com/gokrazy/gokrazy/cmd/dhcp", "dhcp", "", &b.dhcp},
		{c.RepoDir, "./appliance/cmd/tcpbox", "tcpbox", "", &b.tcpbox},
	} {
		if job.out == "tcpbox" && c.TcpboxBinary != "" {
			data, err := os.ReadFile(c.TcpboxBinary)
			if err != nil {
				return nil, fmt.Errorf("build: %w", err)
			}
			b.tcpbox = data
			continue
		}
		c.Log("compiling %s for %s", job.pkg, t.goarch)
		out := filepath.Join(tmp, job.out)
		if err := goBuild(job.dir, t.goarch, job.pkg, out, job.ldflags); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(out)
		if err != nil {
			return nil, err
		}
		*job.dst = data
	}
	return &b, nil
}
