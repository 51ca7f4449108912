{{/* The release's name prefix for every object. */}}
{{- define "bps.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "bps.labels" -}}
app.kubernetes.io/part-of: bps
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one service: (dict "root" $ "name" "applicant") */}}
{{- define "bps.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* One service's values: serviceDefaults deep-merged under its own entry, as YAML.
     Use: $svc := include "bps.service" (dict "root" $ "name" $name) | fromYaml */}}
{{- define "bps.service" -}}
{{- $own := deepCopy (index .root.Values.services .name) -}}
{{- $merged := mergeOverwrite (deepCopy .root.Values.serviceDefaults) $own -}}
{{- $_ := set $merged "module" (default .name $merged.module) -}}
{{- $_ := set $merged "prefix" (default (printf "%s_" (upper .name)) $merged.prefix) -}}
{{- $_ := set $merged "fullname" (printf "%s-%s" (include "bps.fullname" .root) .name) -}}
{{- toYaml $merged -}}
{{- end -}}

{{/* The generated Kafka catalogue (deploy/helm/generate.py). */}}
{{- define "bps.catalogue" -}}
{{- .Files.Get "files/kafka-catalogue.yaml" -}}
{{- end -}}

{{/* A topic's partitions: the catalogue's (contracts.topics, 12 per main topic). */}}
{{- define "bps.partitions" -}}
{{- int .topic.partitions -}}
{{- end -}}

{{/* HPA ceiling of a service: its maxReplicas, never above the partitions of a main topic it
     reads (a replica beyond that has no partition and sits idle). */}}
{{- define "bps.replicaCap" -}}
{{- $cap := int .svc.autoscaling.maxReplicas -}}
{{- $catalogue := include "bps.catalogue" .root | fromYaml -}}
{{- range $catalogue.topics -}}
{{- if and (eq .kind "main") (has $.name .readers) -}}
{{- $cap = min $cap (int (include "bps.partitions" (dict "root" $.root "topic" .))) -}}
{{- end -}}
{{- end -}}
{{- $cap -}}
{{- end -}}

{{- define "bps.kafkaCluster" -}}
{{- printf "%s-kafka" (include "bps.fullname" .) -}}
{{- end -}}

{{- define "bps.pgCluster" -}}
{{- printf "%s-pg" (include "bps.fullname" .) -}}
{{- end -}}

{{/* Where the services reach Kafka, and with which protocol. */}}
{{- define "bps.kafkaBootstrap" -}}
{{- if .Values.kafka.deploy -}}
{{- $port := ternary 9093 9092 (eq .Values.kafka.clientListener "tls") -}}
{{- printf "%s-kafka-bootstrap:%d" (include "bps.kafkaCluster" .) $port -}}
{{- else -}}
{{- required "kafka.external.bootstrapServers is required when kafka.deploy is false" .Values.kafka.external.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{- define "bps.kafkaProtocol" -}}
{{- if .Values.kafka.deploy -}}
{{- ternary "SASL_SSL" "SASL_PLAINTEXT" (eq .Values.kafka.clientListener "tls") -}}
{{- else -}}
{{- .Values.kafka.external.securityProtocol -}}
{{- end -}}
{{- end -}}

{{/* The Secret (name and key) a service reads its DATABASE_URL from. */}}
{{- define "bps.dbSecret" -}}
{{- $default := dict "secretName" (printf "%s-db" .svc.fullname) "key" "uri" -}}
{{- if eq .root.Values.postgres.mode "external" -}}
{{- toYaml (default $default (index .root.Values.postgres.external.databaseUrlSecrets .name)) -}}
{{- else -}}
{{- toYaml $default -}}
{{- end -}}
{{- end -}}

{{- define "bps.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- printf "%s/%s%s:%s" .root.Values.image.registry .root.Values.image.prefix .name $tag -}}
{{- end -}}
