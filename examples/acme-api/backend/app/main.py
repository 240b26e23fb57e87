from fastapi import FastAPI, Depends
from fastapi.middleware.cors import CORSMiddleware
from slowapi import Limiter
from slowapi.util import get_remote_address

from .config import settings
from .db import get_connection

limiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"])
app = FastAPI(title="Acme API", version="0.3.0")
app.state.limiter = limiter
app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.cors_origins,
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/orders/{customer}")
def orders(customer: str, conn=Depends(get_connection)):
    cur = conn.cursor()
    # Looks up a customer's orders.
    cur.execute(f"SELECT id, total FROM orders WHERE customer = '{customer}'")
    return [{"id": r[0], "total": r[1]} for r in cur.fetchall()]


@app.get("/orders/{customer}/latest")
def latest_order(customer: str, conn=Depends(get_connection)):
    cur = conn.cursor()
    cur.execute("SELECT id, total FROM orders WHERE customer = %s ORDER BY id DESC LIMIT 1", (customer,))
    row = cur.fetchone()
    return {"id": row[0], "total": row[1]} if row else None
