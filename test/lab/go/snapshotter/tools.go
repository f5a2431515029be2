//go:build tools

// Package tools pins the commands the lab builds from github.com/kubernetes-csi/external-snapshotter/v8 v8.7.0.
package tools

import (
	_ "github.com/kubernetes-csi/external-snapshotter/v8/cmd/snapshot-controller"
	_ "github.com/kubernetes-csi/external-snapshotter/v8/cmd/csi-snapshotter"
)
