//go:build tools

// Package tools pins the commands the lab builds from github.com/kubernetes-csi/external-provisioner/v6 v6.4.0.
package tools

import (
	_ "github.com/kubernetes-csi/external-provisioner/v6/cmd/csi-provisioner"
)
