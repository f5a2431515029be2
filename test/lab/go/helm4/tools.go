//go:build tools

// Package tools pins the commands the lab builds from helm.sh/helm/v4 v4.3.1.
package tools

import (
	_ "helm.sh/helm/v4/cmd/helm"
)
