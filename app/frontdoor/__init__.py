"""The one front door every request passes: request id and access log, headers, CORS, identity, limits.

Each concern is written once, in this package, and applies to every answer, whether a route builds it or a
fresh cached answer is served without Flask (see door.py). A concern added later goes here and the fast
answers get it for free.
"""
