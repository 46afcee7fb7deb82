"""Accounts statements come from, and organizers' column mappings for each."""

from __future__ import annotations

import json
from typing import Any

from service.audit.services import Actor, record
from service.db import write_transaction
from service.errors import InvalidInput, NotFound
from service.statements.layouts import MAPPABLE, Layout, mapping_layout
from service.statements.parsing import (
    digits,
)
from service.statements.records import AccountRow, MappingRow
from service.statements.tables import (
    StatementAccount,
    StatementMapping,
)

Account = StatementAccount


async def add_account(name: str, provider: str, number: str, holder: str, actor: Actor) -> int:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput.on("name", "give the account a name of up to 100 characters")
    if provider not in {p.value for p in Account.Provider}:
        raise InvalidInput.on("provider", "bank, wechat_pay or alipay")
    number = digits(number).replace("*", "")
    if number and len(number) < 6:
        raise InvalidInput.on("number", "an account or merchant number has at least 6 digits")
    async with write_transaction():
        if await Account.exists().where(Account.name == name):
            raise InvalidInput.on("name", f"an account named {name!r} exists already")
        account = Account(name=name, provider=provider, number=number, holder=holder[:200])
        await account.save()
        await record(
            actor,
            "statement_account.add",
            "statement_account",
            account.id,
            data={"name": name, "provider": provider, "number": number},
        )
    return account.id


async def accounts() -> list[AccountRow]:
    return await Account.select().order_by(Account.name)


async def get_account(account_id: int) -> AccountRow:
    row = await Account.select().where(Account.id == account_id).first()
    if row is None:
        raise NotFound.on("account", f"no statement account {account_id}")
    return row


async def account_by_name(name: str) -> AccountRow:
    row = await Account.select().where(Account.name == name.strip()).first()
    if row is None:
        raise NotFound.on("account", f"no statement account named {name!r}")
    return row


def check_mapping(columns: dict[str, Any]) -> dict[str, str | list[str]]:
    """An organizer's mapping, validated: a date, and a signed amount or a credit column."""
    cleaned: dict[str, str | list[str]] = {}
    for role in MAPPABLE:
        value = columns.get(role)
        if isinstance(value, list):
            names = [str(v).strip() for v in value if str(v).strip()]
            if names:
                cleaned[role] = names if role == "remark" else names[0]
        elif value is not None and str(value).strip():
            cleaned[role] = str(value).strip()
    if "date" not in cleaned:
        raise InvalidInput.on("date", "choose the column holding the date")
    if "amount" not in cleaned and "credit" not in cleaned:
        raise InvalidInput.on(
            "credit", "choose the credit (收入/贷方) column or one signed amount column"
        )
    if "amount" in cleaned and ("credit" in cleaned or "debit" in cleaned):
        raise InvalidInput.on("amount", "a signed amount column, or credit and debit: not both")
    return cleaned


def check_mapping_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput.on("mapping_name", "give the mapping a name of up to 100 characters")
    return name


async def save_mapping(account_id: int, name: str, columns: dict[str, Any], actor: Actor) -> int:
    await get_account(account_id)
    name = check_mapping_name(name)
    cleaned = check_mapping(columns)
    async with write_transaction():
        existing = (
            await StatementMapping.select(StatementMapping.id)
            .where((StatementMapping.account == account_id) & (StatementMapping.name == name))
            .first()
        )
        if existing:
            await StatementMapping.update(
                {StatementMapping.columns: json.dumps(cleaned, ensure_ascii=False)}
            ).where(StatementMapping.id == existing["id"])
            mapping_id = existing["id"]
        else:
            mapping = StatementMapping(
                account=account_id,
                name=name,
                columns=json.dumps(cleaned, ensure_ascii=False),
                created_by=actor.user_id,
            )
            await mapping.save()
            mapping_id = mapping.id
        await record(
            actor,
            "statement_mapping.save",
            "statement_mapping",
            mapping_id,
            data={"account": account_id, "name": name, "columns": cleaned},
        )
    return mapping_id


async def mappings(account_id: int) -> list[MappingRow]:
    return (
        await StatementMapping.select()
        .where(StatementMapping.account == account_id)
        .order_by(StatementMapping.id)
        .output(load_json=True)
    )


async def named_mapping(account_id: int, name: str) -> Layout:
    for row in await mappings(account_id):
        if row["name"] == name:
            return mapping_layout(name, row["columns"])
    raise NotFound.on("mapping", f"the account has no mapping named {name!r}")


async def account_by_number(named: str) -> AccountRow | None:
    for row in await accounts():
        if row["number"] and same_account(named, row["number"]):
            return row
    return None


def same_account(named: str, number: str) -> bool:
    """Account numbers, where a statement may mask the middle (6222****1234)."""
    if "*" not in named:
        return named == number
    head, _, tail = named.partition("*")
    tail = tail.lstrip("*")
    return number.startswith(head) and number.endswith(tail) and len(head + tail) >= 4
