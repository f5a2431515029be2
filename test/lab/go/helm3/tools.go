//go:build tools

// Package tools pins the commands the lab builds from helm.sh/helm/v3 v3.19.5.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
