"""Case- and accent-insensitive title search that works on SQLite and PostgreSQL alike.

``Plain("title")`` is the title folded to lower case without accents, computed by the
database: on PostgreSQL with the built-in ``translate(lower(...))`` (no extension needed), on
SQLite with a Python function registered on the connection. :func:`plain` folds the search
text the same way, so ``Work.objects.annotate(p=Plain("title")).filter(p__contains=plain(q))``
finds "Pokémon" from "POKEMON".
"""

from __future__ import annotations

import unicodedata

from django.db import models

# Accented Latin letters and what they fold to (lower case); PostgreSQL's translate() uses it.
_ACCENTED = "àáâãäåāăąçćčďèéêëēėęěìíîïīįñńňòóôõöōőùúûüūůűųýÿžźżšśşťţøłđ"
_PLAIN = "aaaaaaaaacccdeeeeeeeeiiiiiinnnooooooouuuuuuuuyyzzzsssttold"
# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSABLE = str.maketrans({"ø": "o", "ł": "l", "đ": "d"})


def plain(text: str) -> str:
    """``text`` in lower case with accents removed ("Pokémon" -> "pokemon")."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_UNDECOMPOSABLE))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class Plain(models.Func):
    function = "mangaki_plain"
    output_field = models.CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        # Registering is idempotent and costs microseconds: no need to track which connections have it.
        connection.connection.create_function("mangaki_plain", 1, _sqlite_plain, deterministic=True)
        return super().as_sql(compiler, connection, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template=f"translate(lower(%(expressions)s), '{_ACCENTED}', '{_PLAIN}')",
            **extra_context,
        )


def _sqlite_plain(value):
    return None if value is None else plain(value)
