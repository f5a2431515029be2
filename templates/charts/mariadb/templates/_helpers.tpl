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
The image reference: the tag defaults to engineVersion. With image.registry set, the registry part of the
repository is replaced the way a mirror lays images out: "postgres" becomes <registry>/library/postgres,
"ghcr.io/x/y" becomes <registry>/x/y (the first component names a registry when it has a dot or a port or is
localhost, as Docker reads references).
*/}}
{{- define "mariadb.image" -}}
{{- $repo := .Values.image.repository -}}
{{- with .Values.image.registry -}}
{{- $parts := splitList "/" $repo -}}
{{- $first := first $parts -}}
{{- if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) -}}
{{- $repo = rest $parts | join "/" -}}
{{- else if eq (len $parts) 1 -}}
{{- $repo = printf "library/%s" $repo -}}
{{- end -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo -}}
{{- end -}}
{{- printf "%s:%s" $repo (.Values.image.tag | default .Values.engineVersion) -}}
{{- end -}}

{{/*
Where the pod may run and how it pulls its image: priorityClassName, nodeSelector, tolerations and
imagePullSecrets, each only when set. Indent with nindent 6 under the pod template's spec.
*/}}
{{- define "mariadb.placement" -}}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . | quote }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . | quote }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
The credentials Secret's name; the schema also requires it.
*/}}
{{- define "mariadb.secretName" -}}
{{- required "auth.existingSecret is required: the name of a Secret with the keys username, password, database and root-password" (index .Values.auth "existingSecret") -}}
{{- end -}}
