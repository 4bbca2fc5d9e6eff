"""Output channels. Each plans its pages from the Site without reading or writing files.

A channel's ``plan(site)`` returns its outputs, or a call that returns them once work it started in the
background is done (``build.plan_outputs`` makes that call after every channel has planned).
"""
