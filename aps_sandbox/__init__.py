"""Standalone local imitation of Amazon Payment Services (APS) with a hosted Tamara checkout.

Run it with ``python -m aps_sandbox --help``; see ``README.md`` for the behaviour.
"""
