"""Django's PostgreSQL backend with a health check that asks the database only when the
connection's socket says something happened (see base.py). Set as the ENGINE by settings."""
