"""The web shell: pages, the JSON API, Atom feeds and exports over a store, read-only.

Owns routes, templates, static files, the error shape, security headers and the page cache
(:mod:`.app`). Routes call :mod:`storyline.views` and never write.
"""
