"""``regen serve``: the clinic's working tool in the browser (FastAPI, Jinja2 templates, no build step).

Pages and API routes are thin: every call into the library is in
:mod:`regen.web.forecasts`; records live in :mod:`regen.store`.
"""
