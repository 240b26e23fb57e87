import psycopg

from .config import settings


def get_connection():
    with psycopg.connect(settings.database_url) as conn:
        yield conn
