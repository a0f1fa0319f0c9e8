"""checkov on template.yaml and deploy/ (the CI roles): no failed check, and every skip says why next to its resource.

checkov lives in its own virtualenv (`make` installs it in .cache/checkov from requirements-checkov.txt) and
takes ~10 s, so it starts when this module is collected and runs beside the rest of the suite."""

from __future__ import annotations

import json
import subprocess

from local.template import ROOT, read

CHECKOV = ROOT / ".cache" / "checkov" / "bin" / "checkov"
TEMPLATES = [ROOT / "template.yaml", ROOT / "deploy" / "github-oidc-role.yaml"]
COMMAND = [str(CHECKOV), *(arg for path in TEMPLATES for arg in ("-f", str(path.relative_to(ROOT))))]
COMMAND += ["--framework", "cloudformation", "--skip-download", "-o", "json"]
_RUN = (
    subprocess.Popen(COMMAND, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if CHECKOV.exists()
    else None
)


def test_checkov_finds_no_failed_check():
    assert _RUN is not None, f"{CHECKOV} missing: run `make setup` (or `make test`)"
    out, err = _RUN.communicate(timeout=300)
    report = json.loads(out)
    summary = report["summary"]
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in report["results"]["failed_checks"]]
    assert summary["failed"] == 0, failed
    assert summary["passed"] > 20, summary  # it did check the template
    assert summary["parsing_errors"] == 0, err[-2000:]


def test_every_skip_is_justified():
    for name, resource in (item for path in TEMPLATES for item in read(path)["Resources"].items()):
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "")) > 20, f"{name}: say why {skip['id']} is skipped"
