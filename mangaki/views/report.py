"""The model report: every trained version with its metrics, and plots of the active models."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render


def can_see_report(user) -> bool:
    return settings.MANGAKI_PUBLIC_MODEL_REPORT or (user.is_authenticated and user.is_staff)


def model_report(request):
    if not can_see_report(request.user):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied("The model report is for staff.")
    return render(request, "mangaki/model_report.html", {"versions": []})
