"""Exports: each a function from stored data to bytes (CSV, FHIR JSON, PDF)."""
