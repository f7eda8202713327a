{{/* The chart name, overridable with nameOverride. */}}
{{- define "redis-grpc-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name prefix of every object: fullnameOverride, else "<release>-<chart name>" (just the
release name when it already contains the chart name). 63 characters at most (DNS label).
*/}}
{{- define "redis-grpc-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<chart>-<version>" for the helm.sh/chart label. */}}
{{- define "redis-grpc-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object of the chart. */}}
{{- define "redis-grpc-operator.labels" -}}
helm.sh/chart: {{ include "redis-grpc-operator.chart" . }}
{{ include "redis-grpc-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The stable labels that select the operator pods. */}}
{{- define "redis-grpc-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "redis-grpc-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* The operator's ServiceAccount name. */}}
{{- define "redis-grpc-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "redis-grpc-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator image reference. */}}
{{- define "redis-grpc-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* rbac.scope, validated. */}}
{{- define "redis-grpc-operator.scope" -}}
{{- $scope := .Values.rbac.scope | default "cluster" }}
{{- if not (has $scope (list "cluster" "namespaced")) }}
{{- fail (printf "rbac.scope must be \"cluster\" or \"namespaced\", not %q" $scope) }}
{{- end }}
{{- $scope }}
{{- end }}

{{/*
The namespaces the operator watches, comma-separated (WATCH_NAMESPACES): watchNamespaces, or for
rbac.scope=namespaced the release namespace when that is empty; "" (all namespaces) otherwise.
*/}}
{{- define "redis-grpc-operator.watchNamespaces" -}}
{{- $namespaces := .Values.watchNamespaces | default list }}
{{- if and (not $namespaces) (eq (include "redis-grpc-operator.scope" .) "namespaced") }}
{{- $namespaces = list .Release.Namespace }}
{{- end }}
{{- join "," (uniq $namespaces) }}
{{- end }}

{{/*
The permissions the operator needs on the objects of its caches; shared by the ClusterRole and the
per-namespace Roles. Keep in sync with the dependents in operator/src/main/java/.../dependent/.
*/}}
{{- define "redis-grpc-operator.rules" -}}
# The custom resource: informer (get/list/watch); JOSDK patches it (server-side apply).
- apiGroups: ["cache.redisgrpc.io"]
  resources: ["redisgrpccaches"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["cache.redisgrpc.io"]
  resources: ["redisgrpccaches/status"]
  verbs: ["get", "patch", "update"]
# Owner references with blockOwnerDeletion on the dependents (OwnerReferencesPermissionEnforcement).
- apiGroups: ["cache.redisgrpc.io"]
  resources: ["redisgrpccaches/finalizers"]
  verbs: ["update"]
# Dependents: ConfigMap, Services (client + headless), per-cache ServiceAccount.
- apiGroups: [""]
  resources: ["configmaps", "services", "serviceaccounts"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
# Secrets, each by name, never listed or watched: the credentials, ACL and gateway-credentials
# Secrets the operator writes, image pull secrets named in a cache (checked for existence), and
# the Secrets cert-manager writes for a cache's Certificates (owner references added; deleted
# with the cache, since cert-manager leaves them behind).
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "patch", "update", "delete"]
# Pods: the operator reaches ready Redis pods and sentinels by pod IP (read only).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
# Rolling updates: the Redis StatefulSet uses OnDelete and the operator restarts its pods one at
# a time through the Eviction API, which honours PodDisruptionBudgets (no plain pod delete).
- apiGroups: [""]
  resources: ["pods/eviction"]
  verbs: ["create"]
# The gateway Service's EndpointSlices (read only): GatewayReady waits until they list a ready
# gateway.
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["get", "list", "watch"]
# Events on a cache (Ready / Degraded transitions).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
# Redis / Sentinel StatefulSets and the gateway Deployment.
- apiGroups: ["apps"]
  resources: ["statefulsets", "deployments"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
# Gateway autoscaler (autoscaling/v2).
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
# PodDisruptionBudgets (policy/v1).
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
# The Redis NetworkPolicy.
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
# spec.tls: cert-manager Issuers and Certificates (the CA chain and the leaves).
- apiGroups: ["cert-manager.io"]
  resources: ["issuers", "certificates"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
{{- end }}
