// Command labcsi is the lab's own data-carrying CSI driver for the real node. Volumes are directories on
// this machine's disk, bind-mounted into pods at NodePublishVolume; snapshots are tar archives of a
// volume's directory; a volume created from a snapshot (or cloned from a volume) starts with its files.
// By default a volume is a plain directory: its capacity is bookkeeping and expansion only records it. With
// --volume-fs (sized.go) each volume's directory is the mount point of a file system of its own, on a loop
// device of the requested size, grown online at expansion: the pod sees the size. It also registers itself
// with the kubelet through the plugin-registration API, the job node-driver-registrar does in a cluster.
//
// What it is not: a multi-node driver. Every volume lives on the one real node, and snapshots are
// crash-consistent copies of a live directory, as with the upstream hostpath driver.
package main

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
	registerapi "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

// version is reported to the sidecars, which refuse a driver without one.
var version = "0.1.0"

type volume struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	CapacityBytes int64  `json:"capacityBytes"`
	// Source is "snapshot:<id>" or "volume:<id>" when the volume started from one.
	Source string `json:"source,omitempty"`
	// Filesystem is "xfs" or "ext4" for a sized volume (its file system on <id>.img), empty for a directory.
	Filesystem string `json:"filesystem,omitempty"`
}

type snapshot struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	SourceVolume string    `json:"sourceVolume"`
	SizeBytes    int64     `json:"sizeBytes"`
	CreatedAt    time.Time `json:"createdAt"`
}

type driver struct {
	csi.UnimplementedIdentityServer
	csi.UnimplementedControllerServer
	csi.UnimplementedNodeServer

	name   string
	nodeID string
	root   string // <root>/volumes/<id>/, <root>/volumes/<id>.json (+ <id>.img), <root>/snapshots/<id>.tar + .json
	fsType string // "" (directories), "xfs" or "ext4": what new volumes are
	mu     sync.Mutex
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9._-]`)

// idFor turns a request name (pvc-<uid>, snapshot-<uid>) into an id safe as a file name; the same name
// always gives the same id, which makes Create* idempotent as CSI requires.
func idFor(name string) string { return unsafeChars.ReplaceAllString(name, "_") }

func (d *driver) volDir(id string) string   { return filepath.Join(d.root, "volumes", id) }
func (d *driver) volMeta(id string) string  { return filepath.Join(d.root, "volumes", id+".json") }
func (d *driver) snapTar(id string) string  { return filepath.Join(d.root, "snapshots", id+".tar") }
func (d *driver) snapMeta(id string) string { return filepath.Join(d.root, "snapshots", id+".json") }

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// writeJSON writes atomically: a crash never leaves half a record.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ---- Identity ----

func (d *driver) GetPluginInfo(context.Context, *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	return &csi.GetPluginInfoResponse{Name: d.name, VendorVersion: version}, nil
}

func (d *driver) GetPluginCapabilities(context.Context, *csi.GetPluginCapabilitiesRequest) (*csi.GetPluginCapabilitiesResponse, error) {
	svc := func(t csi.PluginCapability_Service_Type) *csi.PluginCapability {
		return &csi.PluginCapability{Type: &csi.PluginCapability_Service_{Service: &csi.PluginCapability_Service{Type: t}}}
	}
	exp := func(t csi.PluginCapability_VolumeExpansion_Type) *csi.PluginCapability {
		return &csi.PluginCapability{Type: &csi.PluginCapability_VolumeExpansion_{VolumeExpansion: &csi.PluginCapability_VolumeExpansion{Type: t}}}
	}
	return &csi.GetPluginCapabilitiesResponse{Capabilities: []*csi.PluginCapability{
		svc(csi.PluginCapability_Service_CONTROLLER_SERVICE),
		exp(csi.PluginCapability_VolumeExpansion_ONLINE),
	}}, nil
}

func (d *driver) Probe(context.Context, *csi.ProbeRequest) (*csi.ProbeResponse, error) {
	return &csi.ProbeResponse{}, nil
}

// ---- Controller ----

func (d *driver) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	var caps []*csi.ControllerServiceCapability
	for _, t := range []csi.ControllerServiceCapability_RPC_Type{
		csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME,
		csi.ControllerServiceCapability_RPC_CREATE_DELETE_SNAPSHOT,
		csi.ControllerServiceCapability_RPC_LIST_SNAPSHOTS,
		csi.ControllerServiceCapability_RPC_CLONE_VOLUME,
		csi.ControllerServiceCapability_RPC_EXPAND_VOLUME,
	} {
		caps = append(caps, &csi.ControllerServiceCapability{Type: &csi.ControllerServiceCapability_Rpc{Rpc: &csi.ControllerServiceCapability_RPC{Type: t}}})
	}
	return &csi.ControllerGetCapabilitiesResponse{Capabilities: caps}, nil
}

func checkCaps(caps []*csi.VolumeCapability) error {
	if len(caps) == 0 {
		return status.Error(codes.InvalidArgument, "volume capabilities are required")
	}
	for _, c := range caps {
		if c.GetBlock() != nil {
			return status.Error(codes.InvalidArgument, "block volumes are not supported: volumes are directories")
		}
	}
	return nil
}

func (d *driver) CreateVolume(_ context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "name is required")
	}
	if err := checkCaps(req.GetVolumeCapabilities()); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	id := idFor(req.GetName())
	capacity := req.GetCapacityRange().GetRequiredBytes()
	src := req.GetVolumeContentSource()
	var existing volume
	if err := readJSON(d.volMeta(id), &existing); err == nil {
		if capacity > existing.CapacityBytes {
			return nil, status.Errorf(codes.AlreadyExists, "volume %s exists with %d bytes, %d asked", id, existing.CapacityBytes, capacity)
		}
		return &csi.CreateVolumeResponse{Volume: d.csiVolume(existing, src)}, nil
	}
	v := volume{ID: id, Name: req.GetName(), CapacityBytes: capacity, Filesystem: d.fsType}
	dir := d.volDir(id)
	// A half-made volume from an earlier failed attempt: its file system (if any) first, then the directory.
	if err := d.releaseFilesystem(id); err != nil {
		return nil, fsError("cleaning up", id, err)
	}
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, status.Errorf(codes.Internal, "creating %s: %v", dir, err)
	}
	// MkdirAll honours the umask; the volume's root must be writable by any pod until fsGroup takes over.
	if err := os.Chmod(dir, 0o777); err != nil {
		return nil, status.Errorf(codes.Internal, "chmod %s: %v", dir, err)
	}
	fail := func(err error) (*csi.CreateVolumeResponse, error) {
		if rerr := d.releaseFilesystem(id); rerr != nil {
			log.Printf("volume %s: %v", id, rerr)
			return nil, err // never remove files from a file system still mounted
		}
		_ = os.RemoveAll(dir)
		return nil, err
	}
	var snap *snapshot
	if src.GetSnapshot() != nil {
		sid := src.GetSnapshot().GetSnapshotId()
		var s snapshot
		if err := readJSON(d.snapMeta(sid), &s); err != nil {
			return fail(status.Errorf(codes.NotFound, "snapshot %s: %v", sid, err))
		}
		if capacity < s.SizeBytes {
			capacity = s.SizeBytes
			v.CapacityBytes = capacity
		}
		snap = &s
	}
	if v.Filesystem != "" {
		v.CapacityBytes = sizeFor(v.Filesystem, capacity)
		if err := d.makeFilesystem(v, v.CapacityBytes); err != nil {
			return fail(fsError("making the file system of", id, err))
		}
	}
	switch {
	case snap != nil:
		sid := snap.ID
		if err := untarInto(d.snapTar(sid), dir); err != nil {
			return fail(status.Errorf(codes.Internal, "restoring snapshot %s: %v", sid, err))
		}
		v.Source = "snapshot:" + sid
	case src.GetVolume() != nil:
		vid := src.GetVolume().GetVolumeId()
		var from volume
		if err := readJSON(d.volMeta(vid), &from); err != nil {
			return fail(status.Errorf(codes.NotFound, "volume %s: %v", vid, err))
		}
		tmp := filepath.Join(d.root, "snapshots", ".clone-"+id+".tar")
		if err := tarDir(d.volDir(vid), tmp); err != nil {
			return fail(status.Errorf(codes.Internal, "copying volume %s: %v", vid, err))
		}
		err := untarInto(tmp, dir)
		_ = os.Remove(tmp)
		if err != nil {
			return fail(status.Errorf(codes.Internal, "copying volume %s: %v", vid, err))
		}
		v.Source = "volume:" + vid
	}
	if err := writeJSON(d.volMeta(id), v); err != nil {
		return fail(status.Errorf(codes.Internal, "recording volume %s: %v", id, err))
	}
	log.Printf("created volume %s (%d bytes%s)%s", id, v.CapacityBytes, map[bool]string{true: ", " + v.Filesystem}[v.Filesystem != ""], map[bool]string{true: " from " + v.Source}[v.Source != ""])
	return &csi.CreateVolumeResponse{Volume: d.csiVolume(v, src)}, nil
}

func (d *driver) csiVolume(v volume, src *csi.VolumeContentSource) *csi.Volume {
	return &csi.Volume{VolumeId: v.ID, CapacityBytes: v.CapacityBytes, ContentSource: src}
}

func (d *driver) DeleteVolume(_ context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	id := req.GetVolumeId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "volume id is required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.releaseFilesystem(id); err != nil {
		return nil, fsError("releasing the file system of", id, err)
	}
	if err := os.RemoveAll(d.volDir(id)); err != nil {
		return nil, status.Errorf(codes.Internal, "removing volume %s: %v", id, err)
	}
	_ = os.Remove(d.volMeta(id))
	log.Printf("deleted volume %s", id)
	return &csi.DeleteVolumeResponse{}, nil
}

func (d *driver) ValidateVolumeCapabilities(_ context.Context, req *csi.ValidateVolumeCapabilitiesRequest) (*csi.ValidateVolumeCapabilitiesResponse, error) {
	if _, err := os.Stat(d.volMeta(req.GetVolumeId())); err != nil {
		return nil, status.Errorf(codes.NotFound, "volume %s not found", req.GetVolumeId())
	}
	if err := checkCaps(req.GetVolumeCapabilities()); err != nil {
		return &csi.ValidateVolumeCapabilitiesResponse{Message: err.Error()}, nil
	}
	return &csi.ValidateVolumeCapabilitiesResponse{Confirmed: &csi.ValidateVolumeCapabilitiesResponse_Confirmed{
		VolumeCapabilities: req.GetVolumeCapabilities(),
	}}, nil
}

func (d *driver) ControllerExpandVolume(_ context.Context, req *csi.ControllerExpandVolumeRequest) (*csi.ControllerExpandVolumeResponse, error) {
	id := req.GetVolumeId()
	d.mu.Lock()
	defer d.mu.Unlock()
	var v volume
	if err := readJSON(d.volMeta(id), &v); err != nil {
		return nil, status.Errorf(codes.NotFound, "volume %s not found", id)
	}
	want := req.GetCapacityRange().GetRequiredBytes()
	if want > v.CapacityBytes {
		if v.Filesystem != "" {
			if err := d.growFile(v, want); err != nil {
				return nil, fsError("growing the file of", id, err)
			}
		}
		v.CapacityBytes = want
		if err := writeJSON(d.volMeta(id), v); err != nil {
			return nil, status.Errorf(codes.Internal, "recording volume %s: %v", id, err)
		}
		log.Printf("expanded volume %s to %d bytes", id, want)
	}
	// The node grows the mounted file system. A directory needs nothing there, but asking for the node step
	// keeps the kubelet's resize path (and the PVC's conditions) what a block-backed driver would show.
	return &csi.ControllerExpandVolumeResponse{CapacityBytes: v.CapacityBytes, NodeExpansionRequired: true}, nil
}

func (d *driver) CreateSnapshot(_ context.Context, req *csi.CreateSnapshotRequest) (*csi.CreateSnapshotResponse, error) {
	if req.GetName() == "" || req.GetSourceVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "name and source volume id are required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	id := idFor(req.GetName())
	var s snapshot
	if err := readJSON(d.snapMeta(id), &s); err == nil {
		if s.SourceVolume != req.GetSourceVolumeId() {
			return nil, status.Errorf(codes.AlreadyExists, "snapshot %s exists for volume %s", id, s.SourceVolume)
		}
		return &csi.CreateSnapshotResponse{Snapshot: csiSnapshot(s)}, nil
	}
	var v volume
	if err := readJSON(d.volMeta(req.GetSourceVolumeId()), &v); err != nil {
		return nil, status.Errorf(codes.NotFound, "volume %s not found", req.GetSourceVolumeId())
	}
	start := time.Now()
	if err := tarDir(d.volDir(v.ID), d.snapTar(id)); err != nil {
		_ = os.Remove(d.snapTar(id))
		return nil, status.Errorf(codes.Internal, "archiving volume %s: %v", v.ID, err)
	}
	s = snapshot{ID: id, Name: req.GetName(), SourceVolume: v.ID, SizeBytes: v.CapacityBytes, CreatedAt: start.UTC()}
	if err := writeJSON(d.snapMeta(id), s); err != nil {
		return nil, status.Errorf(codes.Internal, "recording snapshot %s: %v", id, err)
	}
	log.Printf("snapshot %s of volume %s cut in %s", id, v.ID, time.Since(start).Round(time.Millisecond))
	return &csi.CreateSnapshotResponse{Snapshot: csiSnapshot(s)}, nil
}

func csiSnapshot(s snapshot) *csi.Snapshot {
	return &csi.Snapshot{SnapshotId: s.ID, SourceVolumeId: s.SourceVolume, SizeBytes: s.SizeBytes,
		CreationTime: timestamppb.New(s.CreatedAt), ReadyToUse: true}
}

func (d *driver) DeleteSnapshot(_ context.Context, req *csi.DeleteSnapshotRequest) (*csi.DeleteSnapshotResponse, error) {
	id := req.GetSnapshotId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "snapshot id is required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_ = os.Remove(d.snapTar(id))
	_ = os.Remove(d.snapMeta(id))
	log.Printf("deleted snapshot %s", id)
	return &csi.DeleteSnapshotResponse{}, nil
}

func (d *driver) ListSnapshots(_ context.Context, req *csi.ListSnapshotsRequest) (*csi.ListSnapshotsResponse, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*csi.ListSnapshotsResponse_Entry
	add := func(s snapshot) {
		if req.GetSourceVolumeId() != "" && s.SourceVolume != req.GetSourceVolumeId() {
			return
		}
		out = append(out, &csi.ListSnapshotsResponse_Entry{Snapshot: csiSnapshot(s)})
	}
	if id := req.GetSnapshotId(); id != "" {
		var s snapshot
		if err := readJSON(d.snapMeta(id), &s); err == nil {
			add(s)
		}
		return &csi.ListSnapshotsResponse{Entries: out}, nil
	}
	files, _ := filepath.Glob(filepath.Join(d.root, "snapshots", "*.json"))
	for _, f := range files {
		var s snapshot
		if readJSON(f, &s) == nil {
			add(s)
		}
	}
	return &csi.ListSnapshotsResponse{Entries: out}, nil
}

// ---- Node ----

func (d *driver) NodeGetInfo(context.Context, *csi.NodeGetInfoRequest) (*csi.NodeGetInfoResponse, error) {
	return &csi.NodeGetInfoResponse{NodeId: d.nodeID}, nil
}

func (d *driver) NodeGetCapabilities(context.Context, *csi.NodeGetCapabilitiesRequest) (*csi.NodeGetCapabilitiesResponse, error) {
	return &csi.NodeGetCapabilitiesResponse{Capabilities: []*csi.NodeServiceCapability{
		{Type: &csi.NodeServiceCapability_Rpc{Rpc: &csi.NodeServiceCapability_RPC{Type: csi.NodeServiceCapability_RPC_EXPAND_VOLUME}}},
	}}, nil
}

// mounted tells whether path is a mount point (its device differs from its parent's, or /proc says so).
func mounted(path string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && unescapeMount(f[4]) == path {
			return true
		}
	}
	return false
}

func unescapeMount(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

func (d *driver) NodePublishVolume(_ context.Context, req *csi.NodePublishVolumeRequest) (*csi.NodePublishVolumeResponse, error) {
	id, target := req.GetVolumeId(), req.GetTargetPath()
	if id == "" || target == "" {
		return nil, status.Error(codes.InvalidArgument, "volume id and target path are required")
	}
	if req.GetVolumeCapability().GetBlock() != nil {
		return nil, status.Error(codes.InvalidArgument, "block volumes are not supported")
	}
	src := d.volDir(id)
	if _, err := os.Stat(src); err != nil {
		return nil, status.Errorf(codes.NotFound, "volume %s not found", id)
	}
	if err := os.MkdirAll(target, 0o750); err != nil {
		return nil, status.Errorf(codes.Internal, "creating %s: %v", target, err)
	}
	if mounted(target) {
		return &csi.NodePublishVolumeResponse{}, nil
	}
	if err := syscall.Mount(src, target, "", syscall.MS_BIND, ""); err != nil {
		return nil, status.Errorf(codes.Internal, "bind-mounting %s on %s: %v", src, target, err)
	}
	if req.GetReadonly() {
		if err := syscall.Mount("", target, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			_ = syscall.Unmount(target, 0)
			return nil, status.Errorf(codes.Internal, "remounting %s read-only: %v", target, err)
		}
	}
	log.Printf("published volume %s at %s", id, target)
	return &csi.NodePublishVolumeResponse{}, nil
}

func (d *driver) NodeUnpublishVolume(_ context.Context, req *csi.NodeUnpublishVolumeRequest) (*csi.NodeUnpublishVolumeResponse, error) {
	target := req.GetTargetPath()
	if target == "" {
		return nil, status.Error(codes.InvalidArgument, "target path is required")
	}
	for mounted(target) {
		if err := syscall.Unmount(target, 0); err != nil {
			return nil, status.Errorf(codes.Internal, "unmounting %s: %v", target, err)
		}
	}
	if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, status.Errorf(codes.Internal, "removing %s: %v", target, err)
	}
	log.Printf("unpublished volume %s from %s", req.GetVolumeId(), target)
	return &csi.NodeUnpublishVolumeResponse{}, nil
}

func (d *driver) NodeExpandVolume(_ context.Context, req *csi.NodeExpandVolumeRequest) (*csi.NodeExpandVolumeResponse, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var v volume
	if err := readJSON(d.volMeta(req.GetVolumeId()), &v); err != nil {
		return nil, status.Errorf(codes.NotFound, "volume %s not found", req.GetVolumeId())
	}
	if v.Filesystem != "" {
		start := time.Now()
		if err := d.growFilesystem(v); err != nil {
			return nil, fsError("growing the file system of", v.ID, err)
		}
		log.Printf("grew the file system of volume %s to %d bytes in %s", v.ID, v.CapacityBytes, time.Since(start).Round(time.Millisecond))
	}
	// A directory has nothing to grow: the capacity the controller recorded.
	return &csi.NodeExpandVolumeResponse{CapacityBytes: v.CapacityBytes}, nil
}

// ---- tar copies ----

// tarDir archives dir (owners, modes, times, symlinks, hard links as copies) into file, atomically.
func tarDir(dir, file string) error {
	tmp := file + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	walkErr := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			// A file removed while we walk (a live database) is not an error for a crash-consistent copy.
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "." {
			rel = "./"
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if info.Mode()&(fs.ModeSocket|fs.ModeNamedPipe|fs.ModeDevice) != 0 {
			return nil
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = rel
		hdr.Uname, hdr.Gname = "", ""
		if !info.Mode().IsRegular() {
			return tw.WriteHeader(hdr)
		}
		src, err := os.Open(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		defer src.Close()
		// The file may change size while it is copied; write exactly the size in the header.
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		n, err := io.Copy(tw, io.LimitReader(src, hdr.Size))
		if err != nil {
			return err
		}
		if n < hdr.Size {
			_, err = io.CopyN(tw, zeroReader{}, hdr.Size-n)
		}
		return err
	})
	if walkErr == nil {
		walkErr = tw.Close()
	}
	if err := f.Close(); walkErr == nil {
		walkErr = err
	}
	if walkErr != nil {
		_ = os.Remove(tmp)
		return walkErr
	}
	return os.Rename(tmp, file)
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	return len(p), nil
}

// untarInto unpacks file into dir, keeping owners and modes; refuses paths that leave dir.
func untarInto(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	type dirTimes struct {
		path string
		mode fs.FileMode
		uid  int
		gid  int
		mt   time.Time
	}
	var dirs []dirTimes
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		path := filepath.Join(dir, hdr.Name)
		if path != dir && !strings.HasPrefix(path, dir+string(os.PathSeparator)) {
			return fmt.Errorf("entry %q leaves the volume", hdr.Name)
		}
		mode := fs.FileMode(hdr.Mode).Perm() | fs.FileMode(hdr.Mode)&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o700); err != nil {
				return err
			}
			dirs = append(dirs, dirTimes{path, mode, hdr.Uid, hdr.Gid, hdr.ModTime})
			continue
		case tar.TypeReg:
			out, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(hdr.Linkname, path); err != nil {
				return err
			}
			_ = os.Lchown(path, hdr.Uid, hdr.Gid)
			continue
		default:
			continue
		}
		if err := os.Lchown(path, hdr.Uid, hdr.Gid); err != nil {
			return err
		}
		if err := os.Chmod(path, mode); err != nil {
			return err
		}
		_ = os.Chtimes(path, hdr.ModTime, hdr.ModTime)
	}
	// Directories last (deepest first), so files written into them do not change their times or modes.
	for i := len(dirs) - 1; i >= 0; i-- {
		x := dirs[i]
		if err := os.Lchown(x.path, x.uid, x.gid); err != nil {
			return err
		}
		if err := os.Chmod(x.path, x.mode); err != nil {
			return err
		}
		_ = os.Chtimes(x.path, x.mt, x.mt)
	}
	return nil
}

// ---- plugin registration with the kubelet ----

type registrar struct {
	registerapi.UnimplementedRegistrationServer
	driver, endpoint string
}

func (r registrar) GetInfo(context.Context, *registerapi.InfoRequest) (*registerapi.PluginInfo, error) {
	return &registerapi.PluginInfo{Type: registerapi.CSIPlugin, Name: r.driver, Endpoint: r.endpoint, SupportedVersions: []string{"1.0.0"}}, nil
}

func (r registrar) NotifyRegistrationStatus(_ context.Context, s *registerapi.RegistrationStatus) (*registerapi.RegistrationStatusResponse, error) {
	if s.PluginRegistered {
		log.Printf("registered with the kubelet")
	} else {
		log.Printf("the kubelet refused the registration: %s", s.Error)
	}
	return &registerapi.RegistrationStatusResponse{}, nil
}

func listen(path string) net.Listener {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		log.Fatalf("creating %s: %v", filepath.Dir(path), err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Fatalf("removing stale socket %s: %v", path, err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		log.Fatalf("listening on %s: %v", path, err)
	}
	return l
}

func main() {
	endpoint := flag.String("endpoint", "", "unix socket to serve CSI on (unix:///path or /path)")
	name := flag.String("driver-name", "lab.dbaas.io", "CSI driver name")
	nodeID := flag.String("node-id", "", "this node's name, as the kubelet registers it")
	root := flag.String("root", "", "directory holding volumes and snapshots")
	regSock := flag.String("registration-socket", "", "kubelet plugin-registration socket to serve (<kubelet root>/plugins_registry/<driver>-reg.sock); empty: do not register")
	volumeFs := flag.String("volume-fs", "", "give new volumes a real size: a file system of this type (xfs or ext4) on a loop device, grown online at expansion; empty: plain directories")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	if *endpoint == "" || *root == "" || *nodeID == "" {
		log.Fatal("--endpoint, --root and --node-id are required")
	}
	if err := checkFsType(*volumeFs); err != nil {
		log.Fatal(err)
	}
	sock := strings.TrimPrefix(*endpoint, "unix://")
	for _, dir := range []string{filepath.Join(*root, "volumes"), filepath.Join(*root, "snapshots")} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			log.Fatalf("creating %s: %v", dir, err)
		}
	}
	d := &driver{name: *name, nodeID: *nodeID, root: *root, fsType: *volumeFs}
	d.remountAll()
	srv := grpc.NewServer()
	csi.RegisterIdentityServer(srv, d)
	csi.RegisterControllerServer(srv, d)
	csi.RegisterNodeServer(srv, d)
	servers := []*grpc.Server{srv}
	go func() {
		if err := srv.Serve(listen(sock)); err != nil {
			log.Fatalf("serve CSI: %v", err)
		}
	}()
	if *regSock != "" {
		reg := grpc.NewServer()
		registerapi.RegisterRegistrationServer(reg, registrar{driver: *name, endpoint: sock})
		servers = append(servers, reg)
		go func() {
			if err := reg.Serve(listen(*regSock)); err != nil {
				log.Fatalf("serve registration: %v", err)
			}
		}()
	}
	kind := "directories"
	if *volumeFs != "" {
		kind = *volumeFs + " file systems on loop devices"
	}
	log.Printf("lab CSI driver %q %s serving on %s (node %s, data in %s, new volumes: %s)", *name, version, sock, *nodeID, *root, kind)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	for _, s := range servers {
		s.GracefulStop()
	}
	if *regSock != "" {
		_ = os.Remove(*regSock)
	}
}
