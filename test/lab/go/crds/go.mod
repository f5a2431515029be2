module dbaas.local/lab/crds

go 1.24.0

require (
	github.com/cloudnative-pg/cloudnative-pg v1.30.0
	github.com/kubernetes-csi/external-snapshotter/client/v8 v8.7.0
	github.com/prometheus-operator/prometheus-operator v0.85.0
)
