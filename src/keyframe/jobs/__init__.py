"""Background jobs: rows in the database are the truth, a Huey queue only wakes workers.

See ``docs/architecture.md`` ("Background jobs") for how a domain defines a job kind.
"""
