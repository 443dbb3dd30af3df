package admintest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// EnsureE2E installs the browser test's npm packages (npm ci) in dir,
// the appliance/admin/e2e directory, once. Two test binaries run it at
// the same time under `go test ./...` (the admin page's own browser test
// and the appliance's), so the install is serialised with an exclusive
// lock on a file in dir and marked done only after npm ci succeeded: a
// half-installed node_modules is never taken for a whole one.
func EnsureE2E(ctx context.Context, dir string) error {
	lock, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("e2e install lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("e2e install lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	done := filepath.Join(dir, "node_modules", ".tcpbox-installed")
	if _, err := os.Stat(done); err == nil {
		return nil
	}
	out, err := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--prefix", dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm ci: %v\n%s", err, out)
	}
	return os.WriteFile(done, nil, 0o644)
}
