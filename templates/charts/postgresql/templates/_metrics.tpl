{{/*
The metrics exporter (postgres_exporter, port 9187): the sidecar container, its image and the Service port.
Rendered only with metrics.enabled. It logs in as the monitoring user dbaas creates (metrics.username), with
the password in the credentials Secret's `monitoring-password` key, by environment.
*/}}

{{/*
The exporter's image reference. With image.registry set (a mirror), the registry part of the repository is
replaced: "quay.io/x/y" becomes <registry>/x/y, a Docker Hub name "x/y" becomes <registry>/x/y and "y"
<registry>/library/y (the first component names a registry when it has a dot or a port or is localhost).
*/}}
{{- define "postgresql.exporterImage" -}}
{{- $repo := .Values.metrics.image.repository -}}
{{- with (dig "registry" "" .Values.image) -}}
{{- $parts := splitList "/" $repo -}}
{{- $first := first $parts -}}
{{- if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) -}}
{{- $repo = rest $parts | join "/" -}}
{{- else if eq (len $parts) 1 -}}
{{- $repo = printf "library/%s" $repo -}}
{{- end -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo -}}
{{- end -}}
{{- printf "%s:%s" $repo .Values.metrics.image.tag -}}
{{- end -}}

{{/*
The sidecar container, for the pod template's containers list (nindent 8). No readiness probe: the pod's
readiness is the database's alone, so a monitoring problem never takes the database out of its Service.
*/}}
{{- define "postgresql.exporterContainer" -}}
- name: exporter
  image: {{ include "postgresql.exporterImage" . | quote }}
  imagePullPolicy: {{ .Values.metrics.image.pullPolicy }}
  ports:
    - name: metrics
      containerPort: 9187
      protocol: TCP
  env:
    # The database container's server, over loopback with password authentication.
    - name: DATA_SOURCE_URI
      value: "127.0.0.1:5432/postgres?sslmode=disable"
    - name: DATA_SOURCE_USER
      value: {{ .Values.metrics.username | quote }}
    - name: DATA_SOURCE_PASS
      valueFrom:
        secretKeyRef:
          name: {{ include "postgresql.secretName" . }}
          key: monitoring-password
  securityContext:
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities:
      drop:
        - ALL
  # The exporter answers on / whether or not the database does: this restarts a hung exporter only.
  livenessProbe:
    httpGet:
      path: /
      port: metrics
    periodSeconds: 30
    timeoutSeconds: 5
    failureThreshold: 3
  {{- with .Values.metrics.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
The exporter's port on the headless Service (ports list, nindent 4): the Service a ServiceMonitor selects.
*/}}
{{- define "postgresql.exporterServicePort" -}}
- name: metrics
  port: 9187
  targetPort: metrics
  protocol: TCP
{{- end -}}
