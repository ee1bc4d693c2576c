"""Constructs the stack composes: data (tables, bucket, secret), route functions, the REST API."""
