// The driver's CSI calls against a temporary root, without a kubelet: directory volumes, and sized volumes
// (a file system on a loop device) being made, filled, snapshotted, restored, cloned, published, grown
// online, found again after a driver restart and deleted without leaving a mount or a loop device behind.
// Sized volumes need root, /dev/loop-control and the file system's tools; otherwise those tests skip and say so.
package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/container-storage-interface/spec/lib/go/csi"
)

const mib = int64(1) << 20

var ctx = context.Background()

func newDriver(t *testing.T, root, fsType string) *driver {
	t.Helper()
	for _, dir := range []string{filepath.Join(root, "volumes"), filepath.Join(root, "snapshots")} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	d := &driver{name: "test.csi", nodeID: "node", root: root, fsType: fsType}
	d.remountAll()
	return d
}

var mountCap = []*csi.VolumeCapability{{
	AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}},
	AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
}}

func create(t *testing.T, d *driver, name string, bytes int64, src *csi.VolumeContentSource) *csi.Volume {
	t.Helper()
	r, err := d.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: name, CapacityRange: &csi.CapacityRange{RequiredBytes: bytes}, VolumeCapabilities: mountCap, VolumeContentSource: src})
	if err != nil {
		t.Fatalf("CreateVolume %s: %v", name, err)
	}
	return r.GetVolume()
}

// fsSize is the size of the file system holding path, as df reports it (total blocks × block size).
func fsSize(t *testing.T, path string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Blocks) * st.Bsize
}

func mountsUnder(dir string) []string {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			out = append(out, f[4])
		}
	}
	return out
}

func loopsOn(root string) string {
	out, _ := exec.Command("losetup", "--noheadings", "--output", "NAME,BACK-FILE").CombinedOutput()
	var mine []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, root) {
			mine = append(mine, strings.TrimSpace(l))
		}
	}
	return strings.Join(mine, "; ")
}

// sizedRoot is a temporary root for sized volumes, or a skip saying what is missing; its cleanup unmounts
// whatever a failed test left.
func sizedRoot(t *testing.T, fsType string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("sized volumes need root (loop devices, mounts)")
	}
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		t.Skip("sized volumes need loop devices (/dev/loop-control)")
	}
	if err := checkFsType(fsType); err != nil {
		t.Skip(err.Error())
	}
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m := mountsUnder(root)
		for i := len(m) - 1; i >= 0; i-- {
			_ = syscall.Unmount(m[i], syscall.MNT_DETACH)
		}
	})
	return root
}

func within(t *testing.T, what string, got, lo, hi int64) {
	t.Helper()
	if got < lo || got > hi {
		t.Fatalf("%s: %d bytes (%.1f MiB), want %d–%d MiB", what, got, float64(got)/float64(mib), lo/mib, hi/mib)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDirectoryVolumes(t *testing.T) {
	root, _ := filepath.EvalSymlinks(t.TempDir())
	d := newDriver(t, root, "")
	v := create(t, d, "pvc-dir", 100*mib, nil)
	if v.CapacityBytes != 100*mib {
		t.Fatalf("capacity %d, want %d", v.CapacityBytes, 100*mib)
	}
	if len(mountsUnder(root)) != 0 {
		t.Fatalf("a directory volume is mounted: %v", mountsUnder(root))
	}
	if err := os.WriteFile(filepath.Join(d.volDir(v.VolumeId), "row"), []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := d.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{Name: "snap-dir", SourceVolumeId: v.VolumeId})
	if err != nil {
		t.Fatal(err)
	}
	r := create(t, d, "pvc-dir-restored", 50*mib, &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Snapshot{Snapshot: &csi.VolumeContentSource_SnapshotSource{SnapshotId: s.Snapshot.SnapshotId}}})
	if got := readFile(t, filepath.Join(d.volDir(r.VolumeId), "row")); got != "kept" {
		t.Fatalf("restored file: %q", got)
	}
	if r.CapacityBytes != 100*mib {
		t.Fatalf("restored capacity %d: want the snapshot's %d", r.CapacityBytes, 100*mib)
	}
	e, err := d.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{VolumeId: v.VolumeId, CapacityRange: &csi.CapacityRange{RequiredBytes: 200 * mib}})
	if err != nil || e.CapacityBytes != 200*mib || !e.NodeExpansionRequired {
		t.Fatalf("ControllerExpandVolume: %v %v", e, err)
	}
	n, err := d.NodeExpandVolume(ctx, &csi.NodeExpandVolumeRequest{VolumeId: v.VolumeId})
	if err != nil || n.CapacityBytes != 200*mib {
		t.Fatalf("NodeExpandVolume: %v %v", n, err)
	}
	for _, id := range []string{v.VolumeId, r.VolumeId} {
		if _, err := d.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: id}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(d.volDir(id)); !os.IsNotExist(err) {
			t.Fatalf("volume %s left its directory: %v", id, err)
		}
	}
}

func TestSizedVolumesXFS(t *testing.T)  { testSized(t, "xfs") }
func TestSizedVolumesExt4(t *testing.T) { testSized(t, "ext4") }

func testSized(t *testing.T, fsType string) {
	root := sizedRoot(t, fsType)
	d := newDriver(t, root, fsType)
	v := create(t, d, "pvc-a", 512*mib, nil)
	dir := d.volDir(v.VolumeId)
	if v.CapacityBytes != 512*mib {
		t.Fatalf("capacity %d, want %d", v.CapacityBytes, 512*mib)
	}
	// The file system's own size, less its metadata and journal: a directory on the host's disk could not
	// show this.
	within(t, "a 512 MiB volume's file system", fsSize(t, dir), 440*mib, 512*mib)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a new volume is not empty: %v", entries)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o777 {
		t.Fatalf("a new volume's root has mode %v, want 0777", st.Mode().Perm())
	}
	if err := os.WriteFile(filepath.Join(dir, "row"), []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}

	// Published into a "pod": the target shows the same file system.
	target := filepath.Join(root, "pod", "mount")
	if _, err := d.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{VolumeId: v.VolumeId, TargetPath: target, VolumeCapability: mountCap[0]}); err != nil {
		t.Fatal(err)
	}
	within(t, "the published target", fsSize(t, target), 440*mib, 512*mib)
	if got := readFile(t, filepath.Join(target, "row")); got != "kept" {
		t.Fatalf("through the target: %q", got)
	}

	s, err := d.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{Name: "snap-a", SourceVolumeId: v.VolumeId})
	if err != nil {
		t.Fatal(err)
	}
	if s.Snapshot.SizeBytes != 512*mib {
		t.Fatalf("snapshot size %d", s.Snapshot.SizeBytes)
	}

	// Expansion, online: the file grows at the controller, the file system at the node, the pod sees it.
	e, err := d.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{VolumeId: v.VolumeId, CapacityRange: &csi.CapacityRange{RequiredBytes: 1024 * mib}})
	if err != nil || e.CapacityBytes != 1024*mib || !e.NodeExpansionRequired {
		t.Fatalf("ControllerExpandVolume: %v %v", e, err)
	}
	if st, _ := os.Stat(d.volImage(v.VolumeId)); st.Size() != 1024*mib {
		t.Fatalf("the volume's file is %d bytes after the controller's expansion", st.Size())
	}
	within(t, "before the node's expansion", fsSize(t, target), 440*mib, 512*mib)
	_, err = d.NodeExpandVolume(ctx, &csi.NodeExpandVolumeRequest{VolumeId: v.VolumeId, VolumePath: target, CapacityRange: &csi.CapacityRange{RequiredBytes: 1024 * mib}})
	grew := true
	if fsType == "ext4" && !hasCapability(24) {
		// Online ext4 resize is refused without CAP_SYS_RESOURCE: the error must say why.
		if err == nil || !strings.Contains(err.Error(), "CAP_SYS_RESOURCE") {
			t.Fatalf("NodeExpandVolume without CAP_SYS_RESOURCE: %v", err)
		}
		t.Log("ext4 online resize not checked: this process lacks CAP_SYS_RESOURCE (the error says so)")
		grew = false
	} else if err != nil {
		t.Fatalf("NodeExpandVolume: %v", err)
	}
	if grew {
		within(t, "the published target after expansion", fsSize(t, target), 950*mib, 1024*mib)
		if _, err := d.NodeExpandVolume(ctx, &csi.NodeExpandVolumeRequest{VolumeId: v.VolumeId, VolumePath: target}); err != nil {
			t.Fatalf("NodeExpandVolume again (nothing left to grow): %v", err)
		}
	}
	if got := readFile(t, filepath.Join(target, "row")); got != "kept" {
		t.Fatalf("after expansion: %q", got)
	}

	// A restore asking less than the snapshot gets the snapshot's size, and its files.
	r := create(t, d, "pvc-restored", 300*mib, &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Snapshot{Snapshot: &csi.VolumeContentSource_SnapshotSource{SnapshotId: s.Snapshot.SnapshotId}}})
	if r.CapacityBytes != 512*mib {
		t.Fatalf("restored capacity %d, want the snapshot's %d", r.CapacityBytes, 512*mib)
	}
	within(t, "the restored volume", fsSize(t, d.volDir(r.VolumeId)), 440*mib, 512*mib)
	if got := readFile(t, filepath.Join(d.volDir(r.VolumeId), "row")); got != "kept" {
		t.Fatalf("restored file: %q", got)
	}
	c := create(t, d, "pvc-clone", 1024*mib, &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Volume{Volume: &csi.VolumeContentSource_VolumeSource{VolumeId: v.VolumeId}}})
	within(t, "the clone", fsSize(t, d.volDir(c.VolumeId)), 950*mib, 1024*mib)
	if got := readFile(t, filepath.Join(d.volDir(c.VolumeId), "row")); got != "kept" {
		t.Fatalf("cloned file: %q", got)
	}

	// A driver restart after the mounts went (the lab's down, a reboot): the volumes are mounted again.
	if _, err := d.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: v.VolumeId, TargetPath: target}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{v.VolumeId, r.VolumeId, c.VolumeId} {
		if err := syscall.Unmount(d.volDir(id), 0); err != nil {
			t.Fatal(err)
		}
	}
	if l := loopsOn(root); l != "" {
		t.Fatalf("loop devices left attached after the last unmount (autoclear): %s", l)
	}
	d = newDriver(t, root, fsType)
	for _, id := range []string{v.VolumeId, r.VolumeId, c.VolumeId} {
		if !mounted(d.volDir(id)) {
			t.Fatalf("volume %s was not mounted again at start", id)
		}
		if got := readFile(t, filepath.Join(d.volDir(id), "row")); got != "kept" {
			t.Fatalf("volume %s after the restart: %q", id, got)
		}
	}
	if grew {
		within(t, "the grown volume after the restart", fsSize(t, d.volDir(v.VolumeId)), 950*mib, 1024*mib)
	}

	for _, id := range []string{v.VolumeId, r.VolumeId, c.VolumeId} {
		if _, err := d.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: id}); err != nil {
			t.Fatalf("DeleteVolume %s: %v", id, err)
		}
		for _, p := range []string{d.volDir(id), d.volImage(id), d.volMeta(id)} {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Fatalf("DeleteVolume %s left %s", id, p)
			}
		}
	}
	if m := mountsUnder(root); len(m) != 0 {
		t.Fatalf("mounts left: %v", m)
	}
	if l := loopsOn(root); l != "" {
		t.Fatalf("loop devices left: %s", l)
	}
}

func TestSizedVolumeMinimumXFS(t *testing.T) {
	root := sizedRoot(t, "xfs")
	d := newDriver(t, root, "xfs")
	v := create(t, d, "pvc-small", 100*mib, nil)
	if v.CapacityBytes != 300*mib {
		t.Fatalf("a 100 MiB request on xfs: capacity %d, want 300 MiB (xfs's minimum, reported)", v.CapacityBytes)
	}
	if _, err := d.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: v.VolumeId}); err != nil {
		t.Fatal(err)
	}
}
