{{/*
The engine's name: the container's name and the value of app.kubernetes.io/name.
*/}}
{{- define "mysql.engine" -}}
mysql
{{- end -}}

{{/*
Selector labels: the only labels the StatefulSet selects on (a selector is immutable).
*/}}
{{- define "mysql.selectorLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/name: {{ include "mysql.engine" . }}
{{- end -}}

{{/*
Labels for one object: .Values.labels, the selector labels and dbaas.io/kind.
The selector labels and the kind win over .Values.labels, so a label in values can never break the selector.
Call with (dict "root" $ "kind" "instance").
*/}}
{{- define "mysql.labels" -}}
{{- $fixed := dict "app.kubernetes.io/instance" .root.Release.Name "app.kubernetes.io/name" (include "mysql.engine" .root) "dbaas.io/kind" .kind -}}
{{- toYaml (merge $fixed (.root.Values.labels | default dict)) -}}
{{- end -}}

{{/*
The image reference: the tag defaults to engineVersion.
*/}}
{{- define "mysql.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Values.engineVersion) -}}
{{- end -}}

{{/*
The credentials Secret's name; the schema also requires it.
*/}}
{{- define "mysql.secretName" -}}
{{- required "auth.existingSecret is required: the name of a Secret with the keys username, password, database and root-password" (index .Values.auth "existingSecret") -}}
{{- end -}}
