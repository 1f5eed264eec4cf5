"""Regenerate looker-4.0-trimmed.json from Looker's full API 4.0 spec: python -m looker_emulator.spec.trim FULL.json"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PATHS = [
    "/login",
    "/logout",
    "/user",
    "/versions",
    "/lookml_models",
    "/lookml_models/{lookml_model_name}",
    "/lookml_models/{lookml_model_name}/explores/{explore_name}",
    "/queries",
    "/queries/{query_id}",
    "/queries/slug/{slug}",
    "/queries/run/{result_format}",
    "/queries/{query_id}/run/{result_format}",
    "/looks/{look_id}",
    "/looks/{look_id}/run/{result_format}",
    "/dashboards/{dashboard_id}",
    "/query_tasks",
    "/query_tasks/{query_task_id}",
    "/query_tasks/{query_task_id}/results",
    "/query_tasks/multi_results",
    "/running_queries/{query_task_id}",
    "/render_tasks/dashboards/{dashboard_id}/{result_format}",
    "/render_tasks/looks/{look_id}/{result_format}",
    "/render_tasks/{render_task_id}",
    "/render_tasks/{render_task_id}/results",
    "/embed/sso_url",
    "/embed/cookieless_session/acquire",
    "/embed/cookieless_session/generate_tokens",
    "/embed/cookieless_session/{session_reference_token}",
    "/datagroups",
    "/datagroups/{datagroup_id}",
    "/login/{user_id}",
    "/user_attributes",
    "/user_attributes/{user_attribute_id}",
    "/users/{user_id}",
    "/users/credential/{credential_type}/{credential_id}",
    "/users/embed_user",
    "/users/{user_id}/attribute_values",
    "/users/{user_id}/attribute_values/{user_attribute_id}",
]
EXTRA_SCHEMAS = ["JsonBi"]  # the json_bi result body; the run endpoints only say "string"
OUT = Path(__file__).with_name("looker-4.0-trimmed.json")


def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def trim(full: dict) -> dict:
    """Keep the paths the emulator serves and every schema they reach."""
    paths = {p: full["paths"][p] for p in PATHS if p in full["paths"]}
    wanted: set[str] = set(EXTRA_SCHEMAS)
    _refs(paths, wanted)
    schemas, pending = {}, list(wanted)
    while pending:
        name = pending.pop()
        if name in schemas:
            continue
        schemas[name] = full["components"]["schemas"][name]
        more: set[str] = set()
        _refs(schemas[name], more)
        pending.extend(more - set(schemas))
    return {
        "openapi": full["openapi"],
        "info": full["info"],
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(trim(json.loads(Path(sys.argv[1]).read_text())), indent=1, sort_keys=False) + "\n")
    print(f"wrote {OUT.name}")
