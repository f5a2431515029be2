{{/* The cluster-scoped objects are named per namespace: two namespaces may hold instances of the same name. */}}
{{- define "backup-schedule.clusterName" -}}
{{- printf "dbaas-backups-%s-%s" .Release.Namespace .Values.instance | trunc 253 -}}
{{- end -}}

{{- define "backup-schedule.image" -}}
{{- if .Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .Values.image.registry) .Values.image.repository .Values.image.tag -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}
{{- end -}}
