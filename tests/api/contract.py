"""The API's contract: every answer must be one the OpenAPI schema describes.

``ContractClient`` is an ``APIClient`` that checks each response it gets against the schema the
portal publishes (``/api/v1/schema/``): the operation (path and method) must exist, the status
code must be among its responses, and the body must validate against the response's schema for
its content type (``application/json`` or ``application/problem+json``). OpenAPI 3.1 schemas
are JSON Schema 2020-12; the ``$ref``s to ``#/components/schemas/…`` resolve because the
components are embedded next to the schema being checked.
"""

import functools
import json
import re

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

#: (path template, method, status code) of every response checked in this test run.
CHECKED: set[tuple[str, str, int]] = set()


@functools.cache
def openapi() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # Through JSON: lazy translations and other Python objects become plain JSON values.
    return json.loads(OpenApiJsonRenderer().render(schema))


@functools.cache
def _strict_components() -> dict:
    """The components, with no properties beyond those described: an answer that carries a
    field the schema does not name fails as well."""
    components = json.loads(json.dumps(openapi()["components"]))

    def close(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(components["schemas"])
    return components


@functools.cache
def _templates() -> list[tuple[re.Pattern, str]]:
    templates = []
    for template in openapi()["paths"]:
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        templates.append((re.compile(f"^{pattern}$"), template))
    # A fixed segment ("registreren") before a parameter ("{id}") that would also match it.
    templates.sort(key=lambda item: item[1].count("{"))
    return templates


def operation_of(path: str, method: str) -> tuple[str, dict | None]:
    """The path template of ``path`` and its operation for ``method`` (None: no such one)."""
    for pattern, template in _templates():
        if pattern.match(path):
            return template, openapi()["paths"][template].get(method)
    raise AssertionError(f"{path} is not in the schema")


#: A method the path does not have: a 405 problem, the only answer outside the operations.
NOT_ALLOWED = {
    "responses": {
        "405": {
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }
        }
    }
}


def check(response) -> None:
    """Fail unless ``response`` is an answer the schema describes, to the letter."""
    request = response.wsgi_request
    method = request.method.lower()
    template, operation = operation_of(request.path, method)
    operation = operation or NOT_ALLOWED
    code = response.status_code
    spec = operation["responses"].get(str(code))
    assert spec is not None, (
        f"{method.upper()} {template} answered {code}, which its schema does not list "
        f"({sorted(operation['responses'])}): {response.content[:300]!r}"
    )
    content = spec.get("content")
    if not content:
        assert not response.content, f"{method.upper()} {template} {code} should have no body"
    else:
        content_type = response["Content-Type"].split(";")[0].strip()
        assert content_type in content, (
            f"{method.upper()} {template} {code} answered {content_type}, the schema says "
            f"{sorted(content)}"
        )
        schema = {**content[content_type]["schema"], "components": _strict_components()}
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.path))
        assert not errors, f"{method.upper()} {template} {code}: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
        )
    CHECKED.add((template, method, code))


class ContractClient(APIClient):
    """An API client whose every response is checked against the schema."""

    def request(self, **kwargs):
        response = super().request(**kwargs)
        check(response)
        return response


def contract_client(key: str | None = None, *, language: str | None = None) -> ContractClient:
    client = ContractClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def operations() -> set[tuple[str, str]]:
    """Every (path template, method) of the schema."""
    return {
        (template, method)
        for template, ops in openapi()["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    }
