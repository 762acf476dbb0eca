"""Extracts the Flink operator's CRDs from the flink-kubernetes-operator-api jar; run by scripts/deploy-check.sh.

    crds.py JAR OUT_DIR OPERATOR_VERSION [FILE...]

Takes every META-INF/fabric8/*-v1.yml of the jar (apiextensions.k8s.io/v1; the -v1beta1.yml variants are for
API servers older than 1.16) and fails unless each FILE is among them.
Prints notes for crds.source on stdout: one `file:` line per CRD, one `patch:` line per change made.

The only change: a FlinkDeployment CRD whose spec.flinkVersion enum lacks v2_0 (operator-api before 1.11,
which is what the fallback version is) gets v2_0 added after the last value, as a text insertion that keeps
the file otherwise byte for byte. The platform runs Flink 2.0, which the operator supports from 1.11 on;
without it every FlinkDeployment would fail. The patch is recorded in the CRD's annotations.
"""

import sys
import zipfile
from pathlib import Path

import yaml

ADD_VERSION = "v2_0"
ANNOTATION = "flink-sql.deploy-check/patched"


def patch_flink_version(text: str, operator_version: str) -> tuple[str, str | None]:
    crd = yaml.safe_load(text)
    if crd.get("spec", {}).get("names", {}).get("kind") != "FlinkDeployment":
        return text, None
    enums = []
    for ver in crd["spec"]["versions"]:
        spec = ver["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
        enums.append(spec["flinkVersion"].get("enum", []))
    if all(ADD_VERSION in e for e in enums):
        return text, None
    lines = text.split("\n")
    out, inserted, i = [], 0, 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        if line.strip() == "flinkVersion:" and i + 1 < len(lines) and lines[i + 1].strip() == "enum:":
            out.append(lines[i + 1])
            i += 2
            item_indent = None
            while i < len(lines) and lines[i].lstrip().startswith("- "):
                item_indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
                out.append(lines[i])
                i += 1
            if item_indent is None:
                raise SystemExit("flinkVersion enum has an unexpected layout; not patching")
            out.append(f"{item_indent}- {ADD_VERSION}")
            inserted += 1
            continue
        i += 1
    if inserted != len(enums):
        raise SystemExit(f"expected {len(enums)} flinkVersion enum(s), patched {inserted}; not patching")
    note = (f"flinkVersion enum += {ADD_VERSION} (operator-api {operator_version} predates Flink 2.0 support, "
            f"added in operator 1.11)")
    # Record the patch on the CRD itself: metadata gets an annotations block after its name.
    text2 = "\n".join(out)
    marker = "\nmetadata:\n  name: "
    pos = text2.find(marker)
    if pos < 0:
        raise SystemExit("CRD metadata has an unexpected layout; not patching")
    eol = text2.index("\n", pos + len(marker))
    text2 = text2[:eol] + f"\n  annotations:\n    {ANNOTATION}: \"{note}\"" + text2[eol:]
    check = yaml.safe_load(text2)
    for ver in check["spec"]["versions"]:
        assert ADD_VERSION in ver["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["flinkVersion"]["enum"]
    assert check["metadata"]["annotations"][ANNOTATION] == note
    return text2, note


def main() -> int:
    jar, out_dir, operator_version, *files = sys.argv[1:]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    prefix = "META-INF/fabric8/"
    with zipfile.ZipFile(jar) as z:
        have = sorted(n[len(prefix):] for n in z.namelist() if n.startswith(prefix) and n.endswith("-v1.yml"))
        missing = [f for f in files if f not in have]
        if missing:
            raise SystemExit(f"{', '.join(missing)} not in {jar} (it has: {', '.join(have)})")
        for f in have:
            text = z.read(prefix + f).decode("utf-8")
            text, note = patch_flink_version(text, operator_version)
            (out / f).write_text(text, encoding="utf-8")
            print(f"file: {f}")
            if note:
                print(f"patch: {f}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
