//go:build tools

// Package tools pins the node commands the lab builds for its real node, from the same Kubernetes version
// and the same staging replaces as the control plane's wrapper (../kubernetes), but as a module of their own
// so that their build cache key never touches the control plane's.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
