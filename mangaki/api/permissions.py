"""Who may do what: anyone reads the catalogue, writes need a user, staff actions need staff."""

from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated


class ReadAnyoneWriteStaff(BasePermission):
    """Reading is public; anything else needs a staff account (403 for other users)."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


__all__ = ["IsAuthenticated", "ReadAnyoneWriteStaff"]
