"""Entities as the domain sees them, one module per resource, so that a route builds only the
dataclasses it uses (docs/decisions.md, 31); the DynamoDB item shapes live in functions/data."""
