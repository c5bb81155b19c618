"""Spec files: YAML loading with line numbers and pydantic validation into typed models."""
