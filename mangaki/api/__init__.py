"""The REST API under ``/api/``: a thin layer over the models, querysets, services, selectors and
the recommendation lists."""
