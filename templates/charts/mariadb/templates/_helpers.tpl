{{/*
The engine's name: the container's name and the value of app.kubernetes.io/name.
*/}}
{{- define "mariadb.engine" -}}
mariadb
{{- end -}}

{{/*
Selector labels: the only labels the StatefulSet selects on (a selector is immutable).
*/}}
{{- define "mariadb.selectorLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/name: {{ include "mariadb.engine" . }}
{{- end -}}

{{/*
Labels for one object: .Values.labels, the selector labels and dbaas.io/kind.
The selector labels and the kind win over .Values.labels, so a label in values can never break the selector.
Call with (dict "root" $ "kind" "instance").
*/}}
{{- define "mariadb.labels" -}}
{{- $fixed := dict "app.kubernetes.io/instance" .root.Release.Name "app.kubernetes.io/name" (include "mariadb.engine" .root) "dbaas.io/kind" .kind -}}
{{- toYaml (merge $fixed (.root.Values.labels | default dict)) -}}
{{- end -}}

{{/*
The image reference: the tag defaults to engineVersion.
*/}}
{{- define "mariadb.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Values.engineVersion) -}}
{{- end -}}

{{/*
The credentials Secret's name; the schema also requires it.
*/}}
{{- define "mariadb.secretName" -}}
{{- required "auth.existingSecret is required: the name of a Secret with the keys username, password, database and root-password" (index .Values.auth "existingSecret") -}}
{{- end -}}
