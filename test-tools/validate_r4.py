"""Validate FHIR resources against the R4 (4.0.1) models of fhir.resources 6.4.

Reads a JSON array of resources on stdin; writes a JSON array with, for each resource, null when
it is valid or the validation error as text. Run with test-tools/.venv-r4/bin/python (see
requirements-r4.txt for why it has its own venv)."""

import json
import sys

import fhir.resources
from fhir.resources import get_fhir_model_class


def check(resource):
    try:
        get_fhir_model_class(resource["resourceType"]).parse_obj(resource)
    except Exception as error:  # noqa: BLE001 - every failure is reported, none is fatal
        return f"{type(error).__name__}: {error}"
    return None


if __name__ == "__main__":
    if fhir.resources.__fhir_version__ != "4.0.1":
        sys.exit(f"fhir.resources models are FHIR {fhir.resources.__fhir_version__}, not 4.0.1")
    json.dump([check(r) for r in json.load(sys.stdin)], sys.stdout)
