"""Spreadsheet import and export: one engine for the admin, the commands and the seed.

- ``cells``: limits, and a cell's way in (control characters, quotes) and out (formulas).
- ``readers`` / ``writers``: .csv, .xlsx and .ods streamed row by row, hostile files bounded.
- ``columns``: every kind's columns, the one place that knows them.
- ``engine`` and ``kinds``: check every row, then write all or nothing.
- ``bulk``: the bulk statements that write records with their history.
- ``run``: transactions, workbooks and exports, as the callers use them.
"""
