"""Output channels. Each plans its pages from the Site without reading or writing files.

A channel's ``plan(site)`` returns its outputs, or a ``render.Deferred`` that gives them once work it started
in the background is done (``build.plan_outputs`` finishes it after every channel has planned).
"""
