// Sized volumes: with --volume-fs, every new volume is a file system of its own on a loop device — a sparse
// file of the requested capacity (<root>/volumes/<id>.img), formatted and mounted at the volume's directory —
// so a pod sees a disk of that size (df), fills it up like one, and sees it grow when the volume is expanded:
// ControllerExpandVolume grows the file, NodeExpandVolume makes the loop device re-read its size and grows the
// mounted file system online. Everything else (publish, snapshots, restores, clones) works through the mounted
// directory exactly as for directory volumes, and a volume's record says which kind it is, so a driver started
// with or without the flag serves the volumes made before.
//
// File systems: xfs (grown by xfs_growfs, which needs CAP_SYS_ADMIN) and ext4 (resize2fs, whose online resize
// needs CAP_SYS_RESOURCE — a capability root lacks in some sandboxes; the driver says so when it is missing).
// XFS refuses to make a file system below 300 MiB: smaller requests get 300 MiB, and the volume reports it.
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// minSize is the smallest file system each kind can be made at.
var minSize = map[string]int64{"xfs": 300 << 20, "ext4": 16 << 20}

// defaultSize is used when a request names no capacity (Kubernetes always does).
const defaultSize = 1 << 30

func checkFsType(t string) error {
	if t == "" {
		return nil
	}
	if _, ok := minSize[t]; !ok {
		return fmt.Errorf("--volume-fs %q: use xfs or ext4 (or leave it empty for directories)", t)
	}
	tools := map[string][]string{"xfs": {"mkfs.xfs", "xfs_growfs"}, "ext4": {"mkfs.ext4", "resize2fs"}}[t]
	for _, tool := range append(tools, "losetup", "mount", "umount") {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("--volume-fs %s needs %s: %v", t, tool, err)
		}
	}
	return nil
}

// sizeFor is the size a new file system of kind t gets for a request of `want` bytes.
func sizeFor(t string, want int64) int64 {
	if want <= 0 {
		want = defaultSize
	}
	if m := minSize[t]; want < m {
		want = m
	}
	return want
}

func (d *driver) volImage(id string) string { return filepath.Join(d.root, "volumes", id+".img") }

func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// makeFilesystem creates the sparse file of `size` bytes, formats it and mounts it at the volume's directory
// (which must exist and be empty). The root of the new file system is writable by any pod, as a directory
// volume's is, until the kubelet applies the pod's fsGroup.
func (d *driver) makeFilesystem(v volume, size int64) error {
	img, dir := d.volImage(v.ID), d.volDir(v.ID)
	f, err := os.OpenFile(img, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	if err := os.Truncate(img, size); err != nil {
		return err
	}
	switch v.Filesystem {
	case "xfs":
		// -K: no discard of a file that is all holes anyway.
		_, err = run("mkfs.xfs", "-q", "-f", "-K", img)
	case "ext4":
		// No blocks reserved for root: the database may fill what it was given.
		_, err = run("mkfs.ext4", "-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", img)
	}
	if err != nil {
		return err
	}
	if err := d.mountImage(v); err != nil {
		return err
	}
	// ext4's lost+found would stand in a data directory that the images expect empty.
	if err := os.Remove(filepath.Join(dir, "lost+found")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Chmod(dir, 0o777)
}

// mountImage mounts a volume's file system at its directory through a loop device; `mount -o loop` sets the
// device to detach itself when the last mount of it goes (autoclear), so unmounting everything — the
// driver's DeleteVolume or the lab's `down` — leaves no loop device behind.
func (d *driver) mountImage(v volume) error {
	dir := d.volDir(v.ID)
	if mounted(dir) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	_, err := run("mount", "-t", v.Filesystem, "-o", "loop", d.volImage(v.ID), dir)
	return err
}

// loopDevice is the loop device backing a mounted volume's file.
func (d *driver) loopDevice(v volume) (string, error) {
	out, err := run("losetup", "--noheadings", "--output", "NAME", "--associated", d.volImage(v.ID))
	if err != nil {
		return "", err
	}
	dev := strings.TrimSpace(strings.SplitN(strings.TrimSpace(out), "\n", 2)[0])
	if dev == "" {
		return "", fmt.Errorf("no loop device backs %s", d.volImage(v.ID))
	}
	return dev, nil
}

// releaseFilesystem unmounts a volume's file system (every mount at its directory), detaches any loop device
// still on its file and removes the file. It refuses to go on while the directory stays mounted, so the
// caller never removes files from a live file system by mistake.
func (d *driver) releaseFilesystem(id string) error {
	dir, img := d.volDir(id), d.volImage(id)
	for mounted(dir) {
		if err := syscall.Unmount(dir, 0); err != nil {
			return fmt.Errorf("unmounting %s: %v", dir, err)
		}
	}
	if _, err := os.Stat(img); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if out, err := run("losetup", "--noheadings", "--output", "NAME", "--associated", img); err == nil {
		for _, dev := range strings.Fields(out) {
			// Still attached: another mount (a pod's) holds it; autoclear detaches it when that one goes.
			_, _ = run("losetup", "--detach", dev)
		}
	}
	return os.Remove(img)
}

// growFile grows a volume's file to `size` (never shrinks it): the controller side of an expansion.
func (d *driver) growFile(v volume, size int64) error {
	st, err := os.Stat(d.volImage(v.ID))
	if err != nil {
		return err
	}
	if st.Size() >= size {
		return nil
	}
	return os.Truncate(d.volImage(v.ID), size)
}

// growFilesystem is the node side: the loop device re-reads its file's size, then the mounted file system
// grows to fill it (online; a no-op when it already does).
func (d *driver) growFilesystem(v volume) error {
	if err := d.mountImage(v); err != nil {
		return err
	}
	dev, err := d.loopDevice(v)
	if err != nil {
		return err
	}
	if _, err := run("losetup", "--set-capacity", dev); err != nil {
		return err
	}
	switch v.Filesystem {
	case "xfs":
		_, err = run("xfs_growfs", d.volDir(v.ID))
	case "ext4":
		_, err = run("resize2fs", dev)
		if err != nil && strings.Contains(err.Error(), "Permission denied") && !hasCapability(24) {
			err = fmt.Errorf("%v (online ext4 resize needs CAP_SYS_RESOURCE, which this process lacks: use --volume-fs xfs)", err)
		}
	}
	return err
}

// hasCapability tells whether this process has capability bit n in its effective set.
func hasCapability(n uint) bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<n) != 0
		}
	}
	return false
}

// remountAll mounts again every sized volume whose file system is not mounted (after the driver, the lab or
// the machine restarted): a pod publishing it next finds its data, not an empty directory.
func (d *driver) remountAll() {
	files, _ := filepath.Glob(filepath.Join(d.root, "volumes", "*.json"))
	n := 0
	for _, f := range files {
		var v volume
		if readJSON(f, &v) != nil || v.Filesystem == "" || mounted(d.volDir(v.ID)) {
			continue
		}
		if err := d.mountImage(v); err != nil {
			log.Printf("volume %s: its file system could not be mounted again: %v", v.ID, err)
			continue
		}
		n++
	}
	if n > 0 {
		log.Printf("mounted %d volume file systems again", n)
	}
}

func fsError(what, id string, err error) error {
	return status.Errorf(codes.Internal, "%s volume %s: %v", what, id, err)
}
