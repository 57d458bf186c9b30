"""The demo data: the five jurisdictions of the seed work reports, their organizations, users and projects.

`tables` holds what the reports say (names, amounts, counts, totals) and the vocabularies the generator
draws on; `generate` turns them into a deterministic plan (the same plan on every run); `loader` writes
the plan through the services, skipping what already exists. `jixiao demo` runs the loader.
See docs/demo.md.
"""
