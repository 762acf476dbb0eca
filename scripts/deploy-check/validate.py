"""Validates rendered Kubernetes manifests; run by scripts/deploy-check.sh with the venv's Python.

    validate.py --k8s-version 1.34 --crds DIR --operator-version V --skips FILE PATH...

Every YAML document in every *.yaml / *.yml under each PATH goes through three stages:

  1. built-in kinds: the strict Kubernetes JSON schema bundled with kubernetes-validate (unknown fields
     are errors);
  2. flink.apache.org kinds: the CRD's openAPIV3Schema for the document's version, read the way the API
     server reads a structural schema (a field not under `properties` is unknown unless
     `additionalProperties` or `x-kubernetes-preserve-unknown-fields` allows it), plus: metadata as
     ObjectMeta, every pod template also against the Kubernetes Pod schema, and every flinkConfiguration
     value must be a string;
  2b. NetworkPolicies: an egress rule towards an address range (ipBlock) must name its ports; a
     rule with no ports (or `ports: null`) opens every port to that range;
  3. checkov (offline, kubernetes framework) over all documents, plus one stand-in Pod per Flink role
     (JobManager, TaskManager) built from each FlinkDeployment the way the operator builds its pods, so
     the Flink pods are scanned too. Findings listed in the skip file are dropped only when their
     condition holds; the rest fail the run.

Exit status: 0 when everything passes, 1 when anything fails, 2 on a usage or setup error.
Secret values (data, stringData, and anything under a key that looks like a credential) are never
printed, and Secrets reach checkov with their values replaced.
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml
from referencing import Registry, Resource

try:
    import importlib.resources as importlib_resources
except ImportError:  # pragma: no cover
    import importlib_resources  # type: ignore

SENSITIVE_KEY = re.compile(r"(passw|secret|token|credential|private|apikey|api[-_.]key|jaas|sasl)", re.I)
FLINK_GROUP = "flink.apache.org"
K8S_DEFS_ID = "https://kubernetes.io/api/_definitions.json"


# --------------------------------------------------------------------------------------------------
# Findings


@dataclass
class Doc:
    file: str          # as given on the command line (relative to the DIR argument's parent when possible)
    index: int         # 1-based position of the document in its file
    body: Any

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", "?")) if isinstance(self.body, dict) else "?"

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion", "?")) if isinstance(self.body, dict) else "?"

    @property
    def name(self) -> str:
        md = self.body.get("metadata") if isinstance(self.body, dict) else None
        if not isinstance(md, dict):
            return "?"
        name = md.get("name") or (str(md.get("generateName", "")) + "*") or "?"
        ns = md.get("namespace")
        return f"{ns}/{name}" if ns else str(name)

    @property
    def is_secret(self) -> bool:
        return self.kind == "Secret" and self.api_version == "v1"

    def label(self) -> str:
        return f"{self.kind} {self.name}  ({self.file}, document {self.index})"


@dataclass
class Finding:
    doc_label: str
    stage: str
    where: str
    message: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    skipped: dict[tuple[str, str], list[str]] = field(default_factory=dict)   # (check, why) -> objects
    notes: list[str] = field(default_factory=list)

    def add(self, doc_label: str, stage: str, where: str, message: str) -> None:
        f = Finding(doc_label, stage, where, message)
        if f in self.findings:
            return
        if message.startswith("unknown field"):
            # The CRD's Pod schema and the Kubernetes Pod schema often both see the same typo: once is enough.
            key = message.split(" (")[0]
            if any(g.doc_label == doc_label and g.where == where and g.message.split(" (")[0] == key
                   for g in self.findings):
                return
        self.findings.append(f)


# --------------------------------------------------------------------------------------------------
# YAML loading: strict (duplicate keys are errors), never echoing source lines.


class StrictLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {key_node.start_mark.line + 1})", key_node.start_mark)
        seen[key] = True
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


def _construct_value(loader: StrictLoader, node: yaml.Node) -> str:
    # '=' is the YAML "value" tag in PyYAML's resolver; in Kubernetes manifests it is just a string.
    return str(node.value)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
StrictLoader.add_constructor("tag:yaml.org,2002:value", _construct_value)


def yaml_error_text(e: yaml.YAMLError) -> str:
    """The problem and its position, without the source snippet PyYAML adds (it could be a Secret line)."""
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or getattr(e, "context", None) or type(e).__name__
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
    return f"YAML error at {where}: {problem}"


def load_docs(paths: list[str], report: Report) -> list[Doc]:
    docs: list[Doc] = []
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(q for q in path.rglob("*") if q.is_file() and q.suffix in (".yaml", ".yml"))
            if not found:
                report.add(f"{p}", "input", "-", "no *.yaml or *.yml files in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            report.add(f"{p}", "input", "-", "no such file or directory")
    for f in files:
        shown = str(f)
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            report.add(shown, "yaml", "-", f"cannot read: {type(e).__name__}")
            continue
        try:
            bodies = list(yaml.load_all(text, Loader=StrictLoader))
        except yaml.YAMLError as e:
            report.add(shown, "yaml", "-", yaml_error_text(e))
            continue
        for i, body in enumerate(bodies, start=1):
            if body is None:
                continue
            doc = Doc(shown, i, body)
            if not isinstance(body, dict):
                report.add(doc.label(), "yaml", "-", f"document is a {type(body).__name__}, not a mapping")
                continue
            for key in ("apiVersion", "kind"):
                if not isinstance(body.get(key), str) or not body.get(key):
                    report.add(doc.label(), "yaml", key, f"missing or not a string: {key}")
            md = body.get("metadata")
            if not isinstance(md, dict) or not (md.get("name") or md.get("generateName")):
                report.add(doc.label(), "yaml", "metadata.name", "missing metadata.name")
            docs.append(doc)
    return docs


# --------------------------------------------------------------------------------------------------
# Schema error messages that never leak values


def path_text(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(document)"


def type_name(v: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object", type(None): "null"}.get(type(v), type(v).__name__)


def value_text(v: Any, sensitive: bool) -> str:
    if sensitive:
        t = type_name(v)
        return f"{'an' if t[0] in 'aeiou' else 'a'} {t} (value not shown)"
    r = json.dumps(v, default=str)
    return r if len(r) <= 60 else r[:57] + "..."


def is_sensitive(doc: Doc, parts: Iterable[Any]) -> bool:
    if doc.is_secret:
        return True
    return any(isinstance(p, str) and SENSITIVE_KEY.search(p) for p in parts)


def unknown_fields(err: jsonschema.ValidationError) -> list[str]:
    inst, schema = err.instance, err.schema
    if not isinstance(inst, dict):
        return []
    props = set(schema.get("properties", {}))
    pats = [re.compile(p) for p in schema.get("patternProperties", {})]
    return [k for k in inst if k not in props and not any(p.search(str(k)) for p in pats)]


def describe(err: jsonschema.ValidationError, doc: Doc, base: list[Any]) -> tuple[str, str]:
    parts = base + list(err.absolute_path)
    sensitive = is_sensitive(doc, parts)
    v = err.validator
    if v == "additionalProperties" and err.validator_value is False:
        names = unknown_fields(err) or ["?"]
        return path_text(parts), "unknown field" + ("s " if len(names) > 1 else " ") + ", ".join(
            json.dumps(str(n)) for n in names)
    if v == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return path_text(parts), f"must be {want}, is {value_text(err.instance, sensitive)}"
    if v == "enum":
        allowed = ", ".join(json.dumps(x) for x in err.validator_value if x is not None)
        return path_text(parts), f"must be one of [{allowed}], is {value_text(err.instance, sensitive)}"
    if v == "required":
        return path_text(parts), err.message  # names the missing property only
    if v in ("oneOf", "anyOf"):
        options = []
        for sub in err.validator_value:
            t = sub.get("type") if isinstance(sub, dict) else None
            if t:
                options.append(" or ".join(t) if isinstance(t, list) else t)
        want = " or ".join(dict.fromkeys(options)) if options else "one of the allowed shapes"
        return path_text(parts), f"must be {want}, is {value_text(err.instance, sensitive)}"
    if sensitive:
        return path_text(parts), f"fails the schema's {v!r} rule (value not shown)"
    msg = err.message
    return path_text(parts), (msg if len(msg) <= 160 else msg[:157] + "...")


def leaf_errors(errors: Iterable[jsonschema.ValidationError]) -> list[jsonschema.ValidationError]:
    """Expands oneOf/anyOf errors whose alternatives all failed on the same object into the alternative
    that got furthest, so that 'unknown field' inside a oneOf is reported as such."""
    out = []
    for e in errors:
        if e.validator in ("oneOf", "anyOf") and e.context and isinstance(e.instance, dict):
            best = jsonschema.exceptions.best_match(e.context)
            out.extend(leaf_errors([best]) if best is not None else [e])
        else:
            out.append(e)
    return out


# --------------------------------------------------------------------------------------------------
# Stage 1: built-in kinds (kubernetes-validate's strict schemas)


class K8sSchemas:
    def __init__(self, version: str):
        import kubernetes_validate.utils as kvu
        self.kvu = kvu
        mm = kvu.major_minor(version.lstrip("v"))
        candidates = [v for v in kvu.all_versions() if self._key(kvu.major_minor(v)) <= self._key(mm)]
        if not candidates or kvu.major_minor(candidates[-1]) != mm:
            have = ", ".join(sorted({kvu.major_minor(v) for v in kvu.all_versions()}, key=self._key))
            raise SystemExit(f"kubernetes-validate has no schemas for Kubernetes {mm} (it has: {have})")
        self.version = candidates[-1]
        self.dir = f"kubernetes-json-schema/v{self.version}-local-strict"
        self.defs = kvu.schema_contents(f"{self.dir}/_definitions.json", self.version)
        self.registry = Resource.from_contents(self.defs) @ Registry()
        self.cache: dict[str, Any] = {}

    @staticmethod
    def _key(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", v)[:2])

    def schema_for(self, api_version: str, kind: str) -> Any | None:
        api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        name = f"{kind.lower()}-{api}.json"
        if name not in self.cache:
            try:
                self.cache[name] = self.kvu.schema_contents(f"{self.dir}/{name}", self.version)
            except FileNotFoundError:
                self.cache[name] = None
        return self.cache[name]

    def validator(self, schema: Any) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator(schema, registry=self.registry)

    def ref(self, definition: str) -> dict:
        return {"$ref": f"{K8S_DEFS_ID}#/$defs/{definition}"}


def check_builtin(doc: Doc, k8s: K8sSchemas, report: Report) -> bool:
    """Returns False when the kind is not built in (so another stage must take it)."""
    schema = k8s.schema_for(doc.api_version, doc.kind)
    if schema is None:
        return False
    for err in leaf_errors(k8s.validator(schema).iter_errors(doc.body)):
        where, msg = describe(err, doc, [])
        report.add(doc.label(), f"kubernetes {k8s.version} schema", where, msg)
    return True


# --------------------------------------------------------------------------------------------------
# Stage 2: flink.apache.org kinds (the operator's CRDs)


def structural(schema: Any) -> Any:
    """The CRD's openAPIV3Schema as JSON Schema with the API server's notion of unknown fields."""
    if isinstance(schema, list):
        return [structural(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: structural(v) for k, v in schema.items()}
    if out.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    is_object = out.get("type") == "object" or "properties" in out
    if is_object and "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


class Crds:
    def __init__(self, crd_dir: str, k8s: K8sSchemas):
        self.by_kind: dict[tuple[str, str, str], dict] = {}    # (group, version, kind) -> json schema
        self.raw_by_kind: dict[tuple[str, str, str], dict] = {}
        self.k8s = k8s
        for f in sorted(Path(crd_dir).glob("*.yml")) + sorted(Path(crd_dir).glob("*.yaml")):
            crd = yaml.safe_load(f.read_text(encoding="utf-8"))
            if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for ver in spec.get("versions", []):
                raw = ver.get("schema", {}).get("openAPIV3Schema")
                if not raw:
                    continue
                s = structural(raw)
                s.setdefault("properties", {})
                # The API server handles these three itself; metadata is checked as ObjectMeta.
                s["properties"]["apiVersion"] = {"type": "string"}
                s["properties"]["kind"] = {"type": "string"}
                s["properties"]["metadata"] = k8s.ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
                key = (spec["group"], ver["name"], spec["names"]["kind"])
                self.by_kind[key] = s
                self.raw_by_kind[key] = raw
        if not self.by_kind:
            raise SystemExit(f"no CustomResourceDefinition files in {crd_dir} (run: scripts/deploy-check.sh install)")

    def lookup(self, api_version: str, kind: str) -> dict | None:
        group, _, version = api_version.partition("/")
        return self.by_kind.get((group, version, kind))


def pod_templates(body: dict) -> list[tuple[list[Any], Any]]:
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    out = []
    if "podTemplate" in spec:
        out.append((["spec", "podTemplate"], spec["podTemplate"]))
    for role in ("jobManager", "taskManager"):
        r = spec.get(role)
        if isinstance(r, dict) and "podTemplate" in r:
            out.append((["spec", role, "podTemplate"], r["podTemplate"]))
    return out


def check_flink(doc: Doc, crds: Crds, operator_version: str, report: Report) -> bool:
    if not doc.api_version.startswith(FLINK_GROUP + "/"):
        return False
    stage = f"{doc.kind} CRD schema (operator-api {operator_version})"
    schema = crds.lookup(doc.api_version, doc.kind)
    if schema is None:
        known = ", ".join(sorted(f"{g}/{v} {k}" for g, v, k in crds.by_kind))
        report.add(doc.label(), stage, "apiVersion/kind",
                   f"no CRD defines {doc.api_version} {doc.kind} (known: {known})")
        return True
    body = doc.body
    spec = body.get("spec")
    conf = spec.get("flinkConfiguration") if isinstance(spec, dict) else None
    for err in leaf_errors(crds.k8s.validator(schema).iter_errors(body)):
        parts = list(err.absolute_path)
        if parts[:2] == ["spec", "flinkConfiguration"] and err.validator == "type" and len(parts) == 3:
            continue  # reported below, with the key's own message
        where, msg = describe(err, doc, [])
        if "podTemplate" in parts and msg.startswith("unknown field"):
            msg += " (not in the CRD's Pod schema: the API server would drop it silently)"
        report.add(doc.label(), stage, where, msg)
    # Flink's operator reads flinkConfiguration as a map of strings; YAML numbers and booleans are
    # rejected by the API server (or, with a looser CRD, mangled), so every value must be quoted.
    if isinstance(conf, dict):
        for key, value in conf.items():
            if not isinstance(value, str):
                sensitive = bool(SENSITIVE_KEY.search(str(key)))
                report.add(doc.label(), stage, f"spec.flinkConfiguration.{key}",
                           f"must be a string (quote it), is {value_text(value, sensitive)}")
    elif conf is not None:
        report.add(doc.label(), stage, "spec.flinkConfiguration", f"must be a map of strings, is {type_name(conf)}")
    # The CRD's Pod schema is fabric8's and has no required fields; check the templates as Kubernetes
    # Pods too (a Flink template may leave out `containers`: the operator adds its main container).
    pod_schema = crds.k8s.schema_for("v1", "Pod")
    for base, tmpl in pod_templates(body):
        if not isinstance(tmpl, dict):
            continue
        for err in leaf_errors(crds.k8s.validator(pod_schema).iter_errors(tmpl)):
            if err.validator == "required" and list(err.absolute_path) == ["spec"] and "'containers'" in err.message:
                continue
            where, msg = describe(err, doc, base)
            report.add(doc.label(), f"kubernetes {crds.k8s.version} Pod schema", where, msg)
    return True


# --------------------------------------------------------------------------------------------------
# Stage 3: checkov


def merge_template(base: Any, override: Any) -> Any:
    """The operator's pod template merge (FlinkUtils.mergePodTemplates) with its default
    kubernetes.operator.pod-template.merge-arrays-by-name=false: objects merge key by key, arrays merge
    element by element by position (extra elements appended), the role's template wins on scalars."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = merge_template(base.get(k), v) if k in base else copy.deepcopy(v)
        return out
    if isinstance(base, list) and isinstance(override, list):
        out = [merge_template(b, o) for b, o in zip(base, override)]
        out.extend(copy.deepcopy(x) for x in base[len(override):])
        out.extend(copy.deepcopy(x) for x in override[len(base):])
        return out
    return copy.deepcopy(override if override is not None else base)


def flink_memory_to_k8s(mem: Any) -> str:
    """Flink's memory notation (2048m = 2048 MiB, 2g, 1024mb) as a Kubernetes quantity."""
    m = re.fullmatch(r"\s*(\d+)\s*([kmgt]?)(?:b|ib)?\s*", str(mem), re.I)
    if not m:
        return str(mem)
    unit = {"": "", "k": "Ki", "m": "Mi", "g": "Gi", "t": "Ti"}[m.group(2).lower()]
    return m.group(1) + unit


def flink_pods(doc: Doc) -> list[tuple[str, dict]]:
    """Stand-ins for the pods the operator creates for a FlinkDeployment (native mode): the role's
    template merged over spec.podTemplate, the main container given the image, pull policy and
    resources the operator sets."""
    body = doc.body
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    md = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    out = []
    for role, suffix in (("jobManager", "jobmanager"), ("taskManager", "taskmanager")):
        rspec = spec.get(role) if isinstance(spec.get(role), dict) else {}
        tmpl = merge_template(spec.get("podTemplate") or {}, rspec.get("podTemplate") or {})
        if not isinstance(tmpl, dict):
            continue
        pod_spec = copy.deepcopy(tmpl.get("spec") or {})
        if spec.get("serviceAccount"):
            pod_spec["serviceAccountName"] = spec["serviceAccount"]
        containers = pod_spec.get("containers") if isinstance(pod_spec.get("containers"), list) else []
        containers = [c for c in containers if isinstance(c, dict)]
        main = next((c for c in containers if c.get("name") == "flink-main-container"), None)
        if main is None:
            main = {"name": "flink-main-container"}
            containers.insert(0, main)
        main["image"] = spec.get("image", "flink")
        main["imagePullPolicy"] = spec.get("imagePullPolicy") or "IfNotPresent"
        res = rspec.get("resource") if isinstance(rspec.get("resource"), dict) else {}
        amounts = {}
        if res.get("cpu") is not None:
            amounts["cpu"] = str(res["cpu"])
        if res.get("memory") is not None:
            amounts["memory"] = flink_memory_to_k8s(res["memory"])
        if amounts:
            main["resources"] = {"requests": dict(amounts), "limits": dict(amounts)}
        pod_spec["containers"] = containers
        labels = dict((tmpl.get("metadata") or {}).get("labels") or {})
        labels.update({"app": md.get("name", "?"), "component": suffix, "type": "flink-native-kubernetes"})
        pod = {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{md.get('name', '?')}-{suffix}", "labels": labels,
                         **({"namespace": md["namespace"]} if md.get("namespace") else {}),
                         **({"annotations": (tmpl.get("metadata") or {}).get("annotations")}
                            if (tmpl.get("metadata") or {}).get("annotations") else {})},
            "spec": pod_spec,
        }
        out.append((suffix, pod))
    return out


def redacted(body: dict) -> dict:
    b = copy.deepcopy(body)
    for key in ("data", "stringData"):
        if isinstance(b.get(key), dict):
            b[key] = {k: "UkVEQUNURUQ=" if key == "data" else "REDACTED" for k in b[key]}
    return b


@dataclass
class Skip:
    id: str
    when: str
    why: str


def load_skips(path: str) -> list[Skip]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    skips = []
    for entry in data:
        for k in ("id", "when", "why"):
            if not str(entry.get(k, "")).strip():
                raise SystemExit(f"{path}: every skip needs id, when and why; this one has no {k}: {entry}")
        if entry["when"] not in CONDITIONS:
            raise SystemExit(f"{path}: {entry['id']}: unknown condition {entry['when']!r} "
                             f"(known: {', '.join(sorted(CONDITIONS))})")
        skips.append(Skip(str(entry["id"]), str(entry["when"]), " ".join(str(entry["why"]).split())))
    return skips


def pod_spec_of(body: dict) -> dict | None:
    kind = body.get("kind")
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec") or {})
    tmpl = spec.get("template") if isinstance(spec.get("template"), dict) else None
    return tmpl.get("spec") if tmpl and isinstance(tmpl.get("spec"), dict) else None


def all_containers(pod_spec: dict) -> list[dict]:
    out = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        out.extend(c for c in pod_spec.get(key) or [] if isinstance(c, dict))
    return out


def image_repo_and_ref(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    last = image.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        tag = last.split(":", 1)[1]
        image = image[: len(image) - len(tag) - 1]
    return image, tag, digest


def is_flink_image(image: str) -> bool:
    repo = image_repo_and_ref(image)[0]
    return repo.rsplit("/", 1)[-1].startswith("flink")


def cond_flink_pod(obj: dict, origin: str) -> bool:
    return origin == "flink-pod"


def cond_flink_uid(obj: dict, origin: str) -> bool:
    """Every container runs the Flink image (or an image named flink*), and every runAsUser that
    applies to a container is the Flink image's own UID 9999."""
    ps = pod_spec_of(obj)
    if ps is None:
        return False
    pod_uid = (ps.get("securityContext") or {}).get("runAsUser")
    containers = all_containers(ps)
    if not containers:
        return False
    for c in containers:
        if not is_flink_image(str(c.get("image", ""))):
            return False
        uid = (c.get("securityContext") or {}).get("runAsUser", pod_uid)
        if uid != 9999:
            return False
    return True


def cond_pinned_tag(obj: dict, origin: str) -> bool:
    """Every image names an explicit version tag (not latest, not missing); off when
    DEPLOY_CHECK_REQUIRE_DIGEST=1."""
    if os.environ.get("DEPLOY_CHECK_REQUIRE_DIGEST", "") not in ("", "0"):
        return False
    ps = pod_spec_of(obj)
    if ps is None:
        return False
    for c in all_containers(ps):
        _, tag, digest = image_repo_and_ref(str(c.get("image", "")))
        if digest:
            continue
        if not tag or tag == "latest" or not re.search(r"\d", tag):
            return False
    return True


CONDITIONS = {
    "flink-pod": cond_flink_pod,
    "flink-uid": cond_flink_uid,
    "pinned-tag": cond_pinned_tag,
}


def run_checkov(docs: list[Doc], checkov: str, skips: list[Skip], report: Report) -> None:
    stage = "checkov"
    with tempfile.TemporaryDirectory(prefix="deploy-check-") as tmp:
        origin: dict[str, tuple[str, str, dict]] = {}   # file name -> (label, origin, object)
        n = 0
        for doc in docs:
            n += 1
            body = redacted(doc.body) if doc.is_secret else doc.body
            fname = f"{n:04d}.yaml"
            Path(tmp, fname).write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
            origin[fname] = (doc.label(), "manifest", body)
            if doc.api_version.startswith(FLINK_GROUP + "/") and doc.kind == "FlinkDeployment":
                for role, pod in flink_pods(doc):
                    n += 1
                    fname = f"{n:04d}.yaml"
                    Path(tmp, fname).write_text(yaml.safe_dump(pod, sort_keys=False), encoding="utf-8")
                    origin[fname] = (f"{doc.label()} -> {role} pod (as the operator builds it)", "flink-pod", pod)
        cmd = [checkov, "--skip-download", "--framework", "kubernetes", "--output", "json", "--quiet",
               "--compact", "--directory", tmp]
        env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false",
                   LOG_LEVEL="ERROR", PYTHONWARNINGS="ignore")
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, env=env)
        out = proc.stdout.strip()
        if proc.returncode not in (0, 1) or not out:
            err = "\n".join(proc.stderr.strip().splitlines()[-15:])
            report.add("(all documents)", stage, "-", f"checkov failed to run (exit {proc.returncode}): {err}")
            return
        try:
            results = json.loads(out)
        except json.JSONDecodeError:
            report.add("(all documents)", stage, "-", "checkov's output is not JSON")
            return
        results = results if isinstance(results, list) else [results]
        by_id = {s.id: [] for s in skips}
        for s in skips:
            by_id[s.id].append(s)
        for r in results:
            if not isinstance(r, dict) or "results" not in r:
                continue   # checkov prints {"passed":0,...} when nothing matched
            for parse_err in r["results"].get("parsing_errors", []) or []:
                report.add(str(parse_err), stage, "-", "checkov could not parse this file")
            for fc in r["results"].get("failed_checks", []):
                fname = Path(fc.get("file_path", "")).name
                label, kind_of, obj = origin.get(fname, (fc.get("resource", "?"), "?", {}))
                cid = fc.get("check_id", "?")
                title = fc.get("check_name", "")
                matched = next((s for s in by_id.get(cid, []) if CONDITIONS[s.when](obj, kind_of)), None)
                if matched:
                    report.skipped.setdefault((cid, matched.why), []).append(label)
                    continue
                where = fc.get("resource", "")
                guide = fc.get("guideline") or ""
                report.add(label, stage, cid, title + (f"  [{guide}]" if guide else "") + f"  (checkov resource {where})")


# --------------------------------------------------------------------------------------------------


def check_network_policy(doc: Doc, report: Report) -> None:
    """An egress rule towards an address range without ports opens every port to it."""
    if doc.kind != "NetworkPolicy" or not isinstance(doc.body, dict):
        return
    spec = doc.body.get("spec") or {}
    for i, rule in enumerate(spec.get("egress") or []):
        if not isinstance(rule, dict):
            continue
        to = rule.get("to") or []
        ip_blocks = [p for p in to if isinstance(p, dict) and "ipBlock" in p]
        ports = rule.get("ports")
        if (ip_blocks or not to) and not ports:
            cidrs = ", ".join(str(p["ipBlock"].get("cidr")) for p in ip_blocks) or "anywhere"
            report.add(doc.label(), "policy", f"spec.egress[{i}].ports",
                       f"no ports: every port to {cidrs} is open (name the ports)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k8s-version", required=True)
    ap.add_argument("--crds", required=True)
    ap.add_argument("--operator-version", default="?")
    ap.add_argument("--skips", required=True)
    ap.add_argument("--checkov", required=True)
    ap.add_argument("--no-checkov", action="store_true", help="schema stages only")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()

    report = Report()
    k8s = K8sSchemas(a.k8s_version)
    crds = Crds(a.crds, k8s)
    skips = load_skips(a.skips)
    docs = load_docs(a.paths, report)

    for doc in docs:
        check_network_policy(doc, report)
        if check_flink(doc, crds, a.operator_version, report):
            continue
        if not check_builtin(doc, k8s, report):
            report.add(doc.label(), "schema", "apiVersion/kind",
                       f"{doc.api_version} {doc.kind} is neither built into Kubernetes {k8s.version} "
                       f"nor defined by the Flink operator's CRDs: nothing to validate it against")
    if not a.no_checkov and docs:
        run_checkov(docs, a.checkov, skips, report)

    # ---- report
    kinds: dict[str, int] = {}
    for d in docs:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    print(f"deploy-check: {len(docs)} documents ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))})")
    print(f"  Kubernetes schema {k8s.version} (strict); Flink operator CRDs from operator-api {a.operator_version}; "
          + ("checkov skipped (--no-checkov)" if a.no_checkov else "checkov offline"))
    for (cid, why), objs in sorted(report.skipped.items()):
        print(f"  skipped {cid} on {len(objs)} object(s), justified: {why}")
        for o in sorted(objs):
            print(f"      - {o}")
    if not report.findings:
        print("deploy-check: PASS")
        return 0
    print()
    grouped: dict[str, list[Finding]] = {}
    for f in report.findings:
        grouped.setdefault(f.doc_label, []).append(f)
    order = {d.label(): (i, 0) for i, d in enumerate(docs)}
    def rank(label: str) -> tuple[int, int, str]:
        base = label.split(" -> ")[0]
        i, _ = order.get(base, (-1, 0))
        return (i, 1 if " -> " in label else 0, label)
    grouped = dict(sorted(grouped.items(), key=lambda kv: rank(kv[0])))
    for label, fs in grouped.items():
        print(f"FAIL {label}")
        for f in fs:
            print(f"    [{f.stage}] {f.where}: {f.message}")
    print()
    print(f"deploy-check: FAIL: {len(report.findings)} finding(s) in {len(grouped)} object(s)")
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except BrokenPipeError:
        sys.exit(1)
