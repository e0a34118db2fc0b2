"""Real cover images for tests: drawn with Pillow, stored through Django's default storage."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from mangaki.models import Work

COVER_SIZE = (230, 345)


def cover_bytes(
    colour: tuple[int, int, int], *, size: tuple[int, int] = COVER_SIZE, label: str = ""
) -> bytes:
    """A JPEG of ``size``: ``colour`` with a lighter band and ``label`` (screenshots tell covers apart)."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    width, height = size
    light = tuple(min(255, channel + 90) for channel in colour)
    draw.rectangle([0, height * 2 // 3, width, height], fill=light)
    draw.ellipse([width // 4, height // 6, width * 3 // 4, height // 6 + width // 2], fill=light)
    if label:
        draw.text((12, height * 2 // 3 + 12), label, fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def store_cover(work: Work, colour: tuple[int, int, int] = (70, 90, 160), **kwargs) -> Work:
    """Give ``work`` a stored cover (``Work.cover.save``: the default storage, under ``covers/``)."""
    from django.core.files.base import ContentFile

    work.cover.save(f"{work.pk}.jpg", ContentFile(cover_bytes(colour, **kwargs)), save=False)
    Work.objects.filter(pk=work.pk).update(cover=work.cover.name)
    return work
