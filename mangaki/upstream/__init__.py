"""Clients of the public catalogues the site reads (AniList's GraphQL API), and their queries."""
