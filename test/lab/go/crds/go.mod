module dbaas.local/lab/crds

go 1.24.0

require (
	github.com/cloudnative-pg/cloudnative-pg v1.30.0
	github.com/kubernetes-csi/external-snapshotter/client/v8 v8.7.0
	github.com/mariadb-operator/mariadb-operator/v25 v25.10.2
	github.com/percona/percona-xtradb-cluster-operator v1.18.0
	github.com/prometheus-operator/prometheus-operator v0.85.0
)
