//go:build tools

// Package tools pins the CSI external-resizer sidecar (volume expansion).
package tools

import (
	_ "github.com/kubernetes-csi/external-resizer/cmd/csi-resizer"
)
