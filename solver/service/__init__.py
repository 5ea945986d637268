"""`wrp serve`: the HTTP service (JSON endpoints, OpenAPI) and the caseworker page at ``/``."""

from solver.service.app import create_app

__all__ = ["create_app"]
