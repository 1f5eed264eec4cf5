"""The result cache: entries, keys, memory and Redis stores, HTTP cache semantics, and the fast path for hits."""
