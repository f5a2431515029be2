{{/*
The engine's name: the container's name and the value of app.kubernetes.io/name.
*/}}
{{- define "postgresql.engine" -}}
postgresql
{{- end -}}

{{/*
Selector labels: the only labels the StatefulSet selects on (a selector is immutable).
*/}}
{{- define "postgresql.selectorLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/name: {{ include "postgresql.engine" . }}
{{- end -}}

{{/*
Labels for one object, written by helm in the same request as the object: the selector labels, the labels
dbaas finds its objects by (dbaas.io/kind, dbaas.io/engine, dbaas.io/engine-version) and
app.kubernetes.io/managed-by (Helm, which manages these objects), then any extra .Values.labels. The chart's own
labels win over .Values.labels, so a label in values can never break the selector or hide an object from dbaas.
Call with (dict "root" $ "kind" "instance").
*/}}
{{- define "postgresql.labels" -}}
{{- $fixed := dict
  "app.kubernetes.io/instance" .root.Release.Name
  "app.kubernetes.io/name" (include "postgresql.engine" .root)
  "app.kubernetes.io/managed-by" .root.Release.Service
  "dbaas.io/kind" .kind
  "dbaas.io/engine" (include "postgresql.engine" .root)
  "dbaas.io/engine-version" (.root.Values.engineVersion | toString)
-}}
{{- toYaml (merge $fixed (.root.Values.labels | default dict)) -}}
{{- end -}}

{{/*
The image reference: the tag defaults to engineVersion. With image.registry set, the registry part of the
repository is replaced the way a mirror lays images out: "postgres" becomes <registry>/library/postgres,
"ghcr.io/x/y" becomes <registry>/x/y (the first component names a registry when it has a dot or a port or is
localhost, as Docker reads references).
*/}}
{{- define "postgresql.image" -}}
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
{{- define "postgresql.placement" -}}
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
The major version as an integer-valued string ("17.6" → "17").
*/}}
{{- define "postgresql.major" -}}
{{- .Values.engineVersion | splitList "." | first | atoi -}}
{{- end -}}

{{/*
The credentials Secret's name; the schema also requires it.
*/}}
{{- define "postgresql.secretName" -}}
{{- required "auth.existingSecret is required: the name of a Secret with the keys username, password and database" (index .Values.auth "existingSecret") -}}
{{- end -}}
