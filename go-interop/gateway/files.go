package gateway

// The plugin files: which may be loaded (the plugin directories), the gateway's private copy of
// each load, and what of them is mapped.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// ErrOutsidePluginDirs: a plugin file outside the configured plugin directories was named.
var ErrOutsidePluginDirs = errors.New("outside the plugin directories")

// resolve makes path absolute and resolves every symbolic link and ".." in it.
func resolve(path string) (string, error) {
	absolute, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(absolute)
}

// pluginFile resolves source and checks that it lies in a plugin directory.
func (g *Gateway) pluginFile(source string) (string, error) {
	resolved, err := resolve(source)
	if err != nil {
		return "", fmt.Errorf("RP_IO: cannot read plugin: %w", err)
	}
	for _, dir := range g.sources {
		if strings.HasPrefix(resolved, dir+string(filepath.Separator)) {
			return resolved, nil
		}
	}
	return "", fmt.Errorf("RP_IO: cannot load plugin %s: it resolves to %s, %w (%s)", source, resolved,
		ErrOutsidePluginDirs, strings.Join(g.sources, ", "))
}

// copyBounded copies the regular file source to the new file target, at most limit bytes: a FIFO,
// a device or a directory is refused before it is read (opening never blocks), a larger file
// before it is copied, and one that grows while it is copied after limit+1 bytes.
func copyBounded(source, target string, limit int64) error {
	in, err := os.OpenFile(source, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("RP_IO: cannot read plugin: %w", err)
	}
	defer in.Close()
	info, err := in.Stat()
	switch {
	case err != nil:
		return fmt.Errorf("RP_IO: cannot read plugin: %w", err)
	case !info.Mode().IsRegular():
		return fmt.Errorf("RP_NOT_A_FILE: refused %s: it is not a regular file (%s)", source, info.Mode().Type())
	case info.Size() > limit:
		return fmt.Errorf("RP_TOO_LARGE: refused %s: %d bytes, over the limit of %d bytes for a plugin", source, info.Size(), limit)
	}
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err != nil {
		return fmt.Errorf("RP_IO: cannot copy plugin: %w", err)
	}
	copied, err := io.Copy(out, io.LimitReader(in, limit+1))
	if err == nil && copied > limit {
		err = fmt.Errorf("it grew past the limit of %d bytes while it was copied", limit)
	}
	if closeErr := out.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		_ = os.Remove(target)
		return fmt.Errorf("RP_IO: cannot copy plugin %s: %w", source, err)
	}
	return nil
}

// MappedFiles lists the distinct files under dir that /proc/self/maps shows mapped.
func MappedFiles(dir string) []string {
	maps, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil
	}
	defer maps.Close()
	seen := map[string]bool{}
	var files []string
	scanner := bufio.NewScanner(maps)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 6 {
			continue
		}
		file := strings.TrimSuffix(strings.Join(fields[5:], " "), " (deleted)")
		if strings.HasPrefix(file, dir+string(filepath.Separator)) && !seen[file] {
			seen[file] = true
			files = append(files, file)
		}
	}
	sort.Strings(files)
	return files
}
