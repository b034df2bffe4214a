"""fitbet's SQL migrations: numbered files (`NNNN_name.sql`), applied once each at start-up in a transaction.

A package only so that the wheel ships them; `bot/store/db.py` reads them with importlib.resources."""
