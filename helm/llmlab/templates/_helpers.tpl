{{/*
Names. The full name is "<release>-llmlab" unless the release name already contains the chart name.
*/}}
{{- define "llmlab.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "llmlab.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "llmlab.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The eight services, in a fixed order so that rendered output is stable. */}}
{{- define "llmlab.serviceNames" -}}
gateway auth ingestion provider-sync recommendations alerts audit proxy
{{- end -}}

{{/*
Labels. Selectors use name, instance and component only: those never change across upgrades, and a selector
cannot be changed on an existing Deployment.
  include "llmlab.labels" (dict "root" $ "component" "auth" "tier" "service")
*/}}
{{- define "llmlab.selectorLabels" -}}
app.kubernetes.io/name: {{ include "llmlab.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "llmlab.labels" -}}
helm.sh/chart: {{ include "llmlab.chart" .root }}
{{ include "llmlab.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: llmlab
{{- if .tier }}
llmlab.io/tier: {{ .tier }}
{{- end }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pods of this release in a given tier (edge, service, messaging, cache, migrations, test). */}}
{{- define "llmlab.tierSelector" -}}
app.kubernetes.io/name: {{ include "llmlab.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
llmlab.io/tier: {{ .tier }}
{{- end -}}

{{/* Settings of one service: serviceDefaults deep-merged with services.<name>. */}}
{{- define "llmlab.serviceValues" -}}
{{- $defaults := deepCopy .root.Values.serviceDefaults -}}
{{- $own := deepCopy (index .root.Values.services .name) -}}
{{- toYaml (mergeOverwrite $defaults $own) -}}
{{- end -}}

{{/*
The Deployments of one service, as a YAML list of {component, ingestionRole, values}, values being the service's
settings as serviceValues gives them. One Deployment per service; for ingestion with
services.ingestion.projection.separate, two (docs/operations.md, "Scaling ingestion"): the intake under the
service's own name and settings, and the projection, "<service>-projection", with its own replicas and resources
and no autoscaling: one of its replicas works at a time (an advisory lock) while the others stand by, so more
replicas on CPU would only add idle ones.
  range $workload := include "llmlab.serviceWorkloads" (dict "root" $ "name" "ingestion") | fromYamlArray
*/}}
{{- define "llmlab.serviceWorkloads" -}}
{{- $svc := fromYaml (include "llmlab.serviceValues" .) -}}
{{- if and (eq .name "ingestion") $svc.projection.separate -}}
{{- if hasKey $svc.extraEnv "INGESTION_ROLE" -}}
{{- fail "services.ingestion.extraEnv.INGESTION_ROLE: leave it out when services.ingestion.projection.separate is true, which sets the role of each Deployment" -}}
{{- end -}}
{{- $projection := deepCopy $svc -}}
{{- $_ := set $projection "replicas" $svc.projection.replicas -}}
{{- $_ = set $projection "resources" $svc.projection.resources -}}
{{- $_ = set $projection.autoscaling "enabled" false -}}
- component: {{ .name }}
  ingestionRole: intake
  values:
    {{- toYaml $svc | nindent 4 }}
- component: {{ .name }}-projection
  ingestionRole: projection
  values:
    {{- toYaml $projection | nindent 4 }}
{{- else -}}
- component: {{ .name }}
  values:
    {{- toYaml $svc | nindent 4 }}
{{- end -}}
{{- end -}}

{{- define "llmlab.tier" -}}
{{- if eq . "gateway" -}}edge{{- else -}}service{{- end -}}
{{- end -}}

{{/* A service's workload kind: the proxy with a persistent spool is a StatefulSet (each pod with a volume of its own
that outlives it), every other service a Deployment. Arguments: name (the service), values (its values). */}}
{{- define "llmlab.workloadKind" -}}
{{- if and (eq .name "proxy") .values.spool.persistence.enabled -}}StatefulSet{{- else -}}Deployment{{- end -}}
{{- end -}}

{{- define "llmlab.serviceFullname" -}}
{{- printf "%s-%s" (include "llmlab.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <registry>/<prefix><service>:<tag> */}}
{{- define "llmlab.image" -}}
{{- $registry := .root.Values.image.registry -}}
{{- $repository := printf "%s%s" .root.Values.image.repositoryPrefix .name -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $registry) $repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "llmlab.migrationsImage" -}}
{{- if .Values.migrations.image.repository -}}
{{- printf "%s:%s" .Values.migrations.image.repository (default (default .Chart.AppVersion .Values.image.tag) .Values.migrations.image.tag) -}}
{{- else -}}
{{- include "llmlab.image" (dict "root" . "name" "auth") -}}
{{- end -}}
{{- end -}}

{{- define "llmlab.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "llmlab.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "llmlab.secretName" -}}
{{- default (printf "%s-secrets" (include "llmlab.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/*
ConfigMaps by their readers (docs/operations.md): "common" for every process, "services" for the domain
services, "jwt" for auth and the gateway, and one per service for its own settings.
  include "llmlab.configMapName" (dict "root" $ "part" "jwt")
*/}}
{{- define "llmlab.configMapName" -}}
{{- $fullname := include "llmlab.fullname" .root -}}
{{- if eq .part "common" -}}
{{- printf "%s-config" $fullname -}}
{{- else -}}
{{- printf "%s-%s-config" $fullname .part -}}
{{- end -}}
{{- end -}}

{{/* The ConfigMaps a service reads: each process gets only variables its code reads. */}}
{{- define "llmlab.serviceConfigMaps" -}}
{{- $parts := list "common" -}}
{{- if ne .name "gateway" -}}{{- $parts = append $parts "services" -}}{{- end -}}
{{- if has .name (list "auth" "gateway") -}}{{- $parts = append $parts "jwt" -}}{{- end -}}
{{- if has .name (list "gateway" "auth" "alerts") -}}{{- $parts = append $parts .name -}}{{- end -}}
{{- join " " $parts -}}
{{- end -}}

{{/*
An environment value from values: YAML numbers arrive as floats, which toString prints as 1e+06; whole numbers
are printed as integers, anything else as it is.
*/}}
{{- define "llmlab.envValue" -}}
{{- if and (kindIs "float64" .) (eq (float64 (int64 .)) .) -}}
{{- int64 . | toString -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* PUBLIC_URL: config.publicUrl, else the Ingress's address, else nothing (the gateway's own default). */}}
{{- define "llmlab.publicUrl" -}}
{{- if .Values.config.publicUrl -}}
{{- .Values.config.publicUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host -}}
{{- end -}}
{{- end -}}

{{- define "llmlab.natsName" -}}
{{- printf "%s-nats" (include "llmlab.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "llmlab.redisName" -}}
{{- printf "%s-redis" (include "llmlab.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "llmlab.natsUrl" -}}
{{- if .Values.nats.enabled -}}
{{- printf "nats://%s:4222" (include "llmlab.natsName" .) -}}
{{- else -}}
{{- required "externalNats.url is required when nats.enabled is false" .Values.externalNats.url -}}
{{- end -}}
{{- end -}}

{{/*
Secret keys each service reads: least privilege, the gateway sees no database and no key. MASTER_ENCRYPTION_KEY
goes to auth, alerts and audit, which refuse to start in production without it, to provider-sync for the provider
credentials it owns, and to the proxy for the projects' stored provider keys.
*/}}
{{- define "llmlab.serviceSecretKeys" -}}
{{- $keys := list -}}
{{- if ne .name "gateway" -}}{{- $keys = append $keys "DATABASE_URL" -}}{{- end -}}
{{- if has .name (list "auth" "provider-sync" "alerts" "audit" "proxy") -}}{{- $keys = append $keys "MASTER_ENCRYPTION_KEY" -}}{{- end -}}
{{- if and (include "llmlab.eventstoreExternal" .root) (ne .name "gateway") -}}{{- $keys = append $keys "EVENTSTORE_CONNECTION_STRING" -}}{{- end -}}
{{- if not .root.Values.redis.enabled -}}{{- $keys = append $keys "REDIS_URL" -}}{{- end -}}
{{- join " " $keys -}}
{{- end -}}

{{/*
EventStoreDB: "external" when the services use a server outside the release (its URL is a secret), "bundled"
when the chart runs KurrentDB itself (its URL is computed). Each renders "true" or nothing.
*/}}
{{- define "llmlab.eventstoreExternal" -}}
{{- if and .Values.eventstore.enabled (not .Values.eventstore.bundled.enabled) -}}true{{- end -}}
{{- end -}}

{{- define "llmlab.eventstoreBundled" -}}
{{- if .Values.eventstore.bundled.enabled -}}
{{- if not .Values.eventstore.enabled -}}
{{- fail "eventstore.bundled.enabled needs eventstore.enabled: the services would not use the bundled server" -}}
{{- end -}}
true
{{- end -}}
{{- end -}}

{{- define "llmlab.eventstoreName" -}}
{{- printf "%s-eventstore" (include "llmlab.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Every member as a gossip seed, so a client finds the leader whichever member answers first. */}}
{{- define "llmlab.eventstoreBundledUrl" -}}
{{- $name := include "llmlab.eventstoreName" . -}}
{{- $members := list -}}
{{- range $i := until (int .Values.eventstore.bundled.replicas) -}}
{{- $members = append $members (printf "%s-%d.%s-headless:2113" $name $i $name) -}}
{{- end -}}
{{- printf "esdb://%s?tls=false" (join "," $members) -}}
{{- end -}}

{{/* A NetworkPolicy peer list selecting pods of this release in one tier. */}}
{{- define "llmlab.tierPeer" -}}
- podSelector:
    matchLabels:
      {{- include "llmlab.tierSelector" . | nindent 6 }}
{{- end -}}

{{/* NATS and Redis: the same restricted profile as the services, which read theirs from serviceDefaults. */}}
{{- define "llmlab.containerSecurityContextRestricted" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end -}}
