//go:build tools

// Package tools pins the commands the lab builds from sigs.k8s.io/kwok v0.7.0.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
