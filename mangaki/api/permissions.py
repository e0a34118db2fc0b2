"""Who may do what: anyone reads the catalogue, writes need a user, staff actions need staff;
the model registry is read by whoever may see the model report."""

from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated

from ..querysets import model_report_visible_to


class ReadAnyoneWriteStaff(BasePermission):
    """Reading is public; anything else needs a staff account (403 for other users)."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class ReportReadersWriteStaff(BasePermission):
    """The model registry: read by whoever may see the model report, changed by staff only."""

    restricts_reads = True  # a signed-in reader may be refused (403): the schema says so

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return model_report_visible_to(request.user)
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


__all__ = ["IsAuthenticated", "ReadAnyoneWriteStaff", "ReportReadersWriteStaff"]
