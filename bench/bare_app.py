"""The bare anchor for bench/reads.py: a Litestar handler answering a small JSON object,
served by the same uvicorn (one worker, uvloop, httptools) as the service."""

from litestar import Litestar, get


@get("/")
async def bare() -> dict[str, object]:
    return {"ok": True, "name": "bare", "projects": 23}


app = Litestar([bare])
