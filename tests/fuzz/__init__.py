"""Fuzzing the HTTP API: generated requests against the app's own OpenAPI schema."""
