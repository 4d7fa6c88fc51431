"""Valid manifests that reach every rule of the validator: the seeds of the hostile tests.

Each seed is a list of objects (one YAML file); together they use every field
the API-server rules and the cross-document hints read.
"""

from __future__ import annotations

from typing import Any

POD_SPEC: dict[str, Any] = {
    "restartPolicy": "Always",
    "initContainers": [{"name": "init", "image": "busybox:1.36", "command": ["true"]}],
    "containers": [
        {
            "name": "web",
            "image": "nginx:1.27",
            "imagePullPolicy": "IfNotPresent",
            "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP", "hostPort": 0}],
            "env": [
                {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}}},
                {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "pass"}}},
            ],
            "livenessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10},
            "readinessProbe": {"tcpSocket": {"port": "http"}, "initialDelaySeconds": 1},
            "startupProbe": {"exec": {"command": ["true"]}, "failureThreshold": 3},
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
        }
    ],
    "volumes": [{"name": "data", "emptyDir": {}}],
    "terminationGracePeriodSeconds": 30,
}

LABELS = {"app": "web", "tier": "front"}

SEEDS: list[list[dict[str, Any]]] = [
    [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": LABELS, "annotations": {"example.com/a": "b"}},
            "spec": {
                "replicas": 2,
                "minReadySeconds": 0,
                "revisionHistoryLimit": 3,
                "strategy": {"type": "RollingUpdate"},
                "selector": {
                    "matchLabels": {"app": "web"},
                    "matchExpressions": [
                        {"key": "tier", "operator": "In", "values": ["front", "edge"]},
                        {"key": "gone", "operator": "DoesNotExist"},
                    ],
                },
                "template": {"metadata": {"labels": LABELS}, "spec": POD_SPEC},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {
                "type": "NodePort",
                "selector": {"app": "web"},
                "ports": [
                    {"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080},
                    {"name": "alt", "port": 8080, "targetPort": 80, "protocol": "TCP"},
                ],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cfg"},
            "data": {"mode": "x"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "sec"},
            "data": {"pass": "cGFzcw=="},
            "stringData": {"user": "admin"},
        },
    ],
    [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "solo", "labels": {"app": "solo"}},
            "spec": POD_SPEC,
        }
    ],
    [
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db"},
            "spec": {
                "serviceName": "db",
                "podManagementPolicy": "OrderedReady",
                "updateStrategy": {"type": "RollingUpdate"},
                "selector": {"matchLabels": {"app": "db"}},
                "template": {"metadata": {"labels": {"app": "db"}}, "spec": POD_SPEC},
            },
        },
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "tick"},
            "spec": {
                "schedule": "*/5 * * * *",
                "concurrencyPolicy": "Forbid",
                "successfulJobsHistoryLimit": 1,
                "jobTemplate": {
                    "spec": {
                        "backoffLimit": 2,
                        "template": {
                            "metadata": {"labels": {"app": "tick"}},
                            "spec": {**POD_SPEC, "restartPolicy": "OnFailure"},
                        },
                    }
                },
            },
        },
    ],
    [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "web"},
            "spec": {
                "rules": [
                    {
                        "host": "web.example.org",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": "web", "port": {"number": 80}}},
                                }
                            ]
                        },
                    }
                ]
            },
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": "pv"},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "hostPath": {"path": "/tmp/pv"},
            },
        },
    ],
]
