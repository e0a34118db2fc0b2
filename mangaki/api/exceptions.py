"""One error shape for every 4xx answer, naming the field at fault and the reason.

    {"detail": "summary", "errors": [{"field": "ratings[3].choice", "code": "invalid_choice",
                                       "message": "\\"best\\" is not a valid choice."}]}

``field`` is a path into the request (query parameter, body field, ``ratings[3].work`` for
a row of a list), ``body`` for a body that cannot be parsed, and null when the error is
about the request as a whole (authentication, permission, throttling, not found).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD_KEYS = {"non_field_errors", "__all__"}


def flatten_errors(detail: Any, field: str | None = None) -> list[dict[str, Any]]:
    """Turn REST framework's nested error detail into a flat list of field errors."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            if key in NON_FIELD_KEYS:
                name = field
            elif isinstance(key, int):
                name = f"{field}[{key}]" if field else f"[{key}]"
            else:
                name = f"{field}.{key}" if field else str(key)
            errors.extend(flatten_errors(value, name))
        return errors
    if isinstance(detail, list):
        if any(isinstance(item, dict) for item in detail):
            errors = []
            for index, item in enumerate(detail):
                if item:
                    errors.extend(flatten_errors(item, f"{field}[{index}]" if field else f"[{index}]"))
            return errors
        errors = []
        for item in detail:
            errors.extend(flatten_errors(item, field))
        return errors
    code = getattr(detail, "code", None) or "invalid"
    return [{"field": field, "code": str(code), "message": str(detail)}]


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


class ServiceUnavailable(exceptions.APIException):
    """A service the request needs (the task queue) cannot be reached: 503, try again later."""

    status_code = 503
    default_detail = "A service this request needs is unavailable; try again later."
    default_code = "service_unavailable"


def exception_handler(exc: Exception, context: dict) -> Any:
    if isinstance(exc, RequestDataTooBig):  # Django's limits on the body: JSON, not its HTML page
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, DataError):
        # The database refused a value of the request (out of range, a character it cannot
        # store): the request's fault, a 400 in the usual shape, not a 500 page.
        exc = exceptions.ValidationError({"non_field_errors": ["A value of the request is not valid here."]})
    if isinstance(exc, DjangoValidationError):
        # A service refused the input: same answer as a serializer would give.
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        summary = "Invalid input: " + "; ".join(
            f"{error['field']}: {error['message']}" if error["field"] else error["message"]
            for error in errors[:5]
        )
        if len(errors) > 5:
            summary += f" (and {len(errors) - 5} more)"
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data.get("detail")
        about_body = isinstance(exc, exceptions.ParseError | PayloadTooLarge)
        field = "body" if about_body else getattr(exc, "field", None)
        errors = flatten_errors(detail, field)
        summary = "; ".join(error["message"] for error in errors)
    response.data = {"detail": summary, "errors": errors}
    return response


class UnknownObject(exceptions.NotFound):
    """A 404 that names the path parameter that matched nothing."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
