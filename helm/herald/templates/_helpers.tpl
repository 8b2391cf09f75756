{{/* The four services: role (the image's argument and the object name suffix) → values key. */}}
{{- define "herald.components" -}}
subscription-api: subscriptionApi
event-ingest: eventIngest
deliverer: deliverer
{{- end -}}

{{- define "herald.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-wide prefix, kept to 40 characters so "<prefix>-subscription-api" fits a DNS label. */}}
{{- define "herald.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "herald.selectorLabels" -}}
app.kubernetes.io/name: {{ include "herald.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "herald.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "herald.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: herald
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of one service's objects; call with (dict "root" $ "role" "deliverer"). */}}
{{- define "herald.componentLabels" -}}
{{ include "herald.labels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "herald.componentSelectorLabels" -}}
{{ include "herald.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "herald.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "herald.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "herald.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret the services read: the user's, or the chart's own. */}}
{{- define "herald.secretName" -}}
{{- default (printf "%s-secrets" (include "herald.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* DATABASE_URL without a password, when the database is given by host (password: PGPASSWORD). */}}
{{- define "herald.databaseUrlFromHost" -}}
{{- $db := .Values.database -}}
{{- printf "postgres://%s@%s:%d/%s" $db.user $db.host (int $db.port) $db.name -}}
{{- with $db.sslMode }}?sslmode={{ . }}{{ end -}}
{{- end -}}

{{/*
Environment of the database connection, for the services and the migrations Job.
Call with (dict "root" $ "secretName" "…").
*/}}
{{- define "herald.databaseEnv" -}}
{{- if .root.Values.database.host -}}
- name: DATABASE_URL
  value: {{ include "herald.databaseUrlFromHost" .root | quote }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: DATABASE_PASSWORD
{{- else -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: DATABASE_URL
{{- end }}
{{- end -}}

{{/* The restricted Pod Security Standard: the image's user 10001, nothing writable but /tmp. */}}
{{- define "herald.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "herald.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* A Kubernetes object name made from a file name: lower case, [a-z0-9-] only. */}}
{{- define "herald.slug" -}}
{{- regexReplaceAll "[^a-z0-9-]+" (lower .) "-" | trimAll "-" -}}
{{- end -}}

{{/* Data of the chart's own Secret (also used, database keys only, by the migrations hook). */}}
{{- define "herald.secretData" -}}
HERALD_ENCRYPTION_KEY: {{ .Values.secrets.encryptionKey | b64enc | quote }}
HERALD_ADMIN_TOKEN: {{ .Values.secrets.adminToken | b64enc | quote }}
{{- include "herald.databaseSecretData" . }}
{{- with .Values.secrets.smtpUrl }}
HERALD_SMTP_URL: {{ . | b64enc | quote }}
{{- end }}
{{- end -}}

{{- define "herald.databaseSecretData" -}}
{{- if .Values.database.host }}
DATABASE_PASSWORD: {{ .Values.secrets.databasePassword | b64enc | quote }}
{{- else }}
DATABASE_URL: {{ .Values.secrets.databaseUrl | b64enc | quote }}
{{- end }}
{{- end -}}

{{/* Where the files of the credentials volume are mounted (read-only). */}}
{{- define "herald.credentialsDir" -}}
/etc/herald/credentials
{{- end -}}

{{/*
Sources of the credentials volume: the Kafka CA, client certificate and key and SASL password (with
"kafka" true) and the database CA, each a key of a Secret you manage, read by the services through
the *_FILE settings. Empty when there is nothing to mount. Call with (dict "root" $ "kafka" true).
*/}}
{{- define "herald.credentialSources" -}}
{{- $v := .root.Values -}}
{{- if .kafka }}
{{- if $v.kafka.tls.enabled }}
{{- with $v.kafka.tls.caSecret.name }}
- secret:
    name: {{ . }}
    items:
      - key: {{ $v.kafka.tls.caSecret.key }}
        path: kafka-ca.crt
{{- end }}
{{- with $v.kafka.tls.clientSecret.name }}
- secret:
    name: {{ . }}
    items:
      - key: {{ $v.kafka.tls.clientSecret.certKey }}
        path: kafka-client.crt
      - key: {{ $v.kafka.tls.clientSecret.keyKey }}
        path: kafka-client.key
{{- end }}
{{- end }}
{{- if $v.kafka.sasl.mechanism }}
- secret:
    name: {{ $v.kafka.sasl.passwordSecret.name }}
    items:
      - key: {{ $v.kafka.sasl.passwordSecret.key }}
        path: kafka-sasl-password
{{- end }}
{{- end }}
{{- with $v.database.caSecret.name }}
- secret:
    name: {{ . }}
    items:
      - key: {{ $v.database.caSecret.key }}
        path: database-ca.crt
{{- end }}
{{- end -}}

{{/* The credentials volume of a pod; call with the sources rendered by herald.credentialSources. */}}
{{- define "herald.credentialsVolume" -}}
- name: credentials
  projected:
    # 0440: the pod's group (fsGroup 10001) reads the files, nobody writes them.
    defaultMode: 288
    sources:
      {{- . | nindent 6 }}
{{- end -}}
