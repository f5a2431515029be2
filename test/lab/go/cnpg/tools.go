//go:build tools

// Package tools pins the CloudNativePG manager (operator and instance manager in one binary) for the real node.
package tools

import (
	_ "github.com/cloudnative-pg/cloudnative-pg/cmd/manager"
)
